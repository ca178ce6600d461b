// The npm `@google/genai` SDK (Gemini Developer API) against the gateway,
// one provider type per run (argv[2]): text, stream, function calls,
// streamed function calls as the SDK parsed them (usageMetadata keeps
// thoughts apart from candidates), and upstream errors as ApiError.

import { GoogleGenAI, ApiError } from '@google/genai';
import { expected } from './expect.mjs';
import { gateway, clientKey, type, ok, is, run } from './tap.mjs';

const exp = expected[type];
const ai = new GoogleGenAI({ apiKey: clientKey,
    httpOptions: { baseUrl: gateway, timeout: 10000,
                   retryOptions: { attempts: 1 } } });
const contents = 'hi';
const tools = [{ functionDeclarations: [{ name: 'get_weather',
    parameters: { type: 'OBJECT', properties: {} } }] }];

// Gemini's candidatesTokenCount leaves the thoughts out
function usage(u) {
    return [u?.promptTokenCount, u?.candidatesTokenCount,
            u?.thoughtsTokenCount ?? 0];
}
function want(e) {
    return [e.prompt, e.completion - (e.reasoning ?? 0), e.reasoning ?? 0];
}

await run('text', async () => {
    const r = await ai.models.generateContent({ model: `${type}-text`,
                                                contents });
    ok((r.text ?? '').startsWith(exp.text.start), 'text: text', r.text);
    is(r.candidates?.[0]?.finishReason, 'STOP', 'text: finishReason STOP');
    is(r.modelVersion, `${type}-text`, 'text: modelVersion is the name asked');
    is(usage(r.usageMetadata), want(exp.text), 'text: usageMetadata');
});

await run('stream', async () => {
    const stream = await ai.models.generateContentStream({
        model: `${type}-stream`, contents });
    let text = '', finish, last;
    for await (const chunk of stream) {
        text += chunk.text ?? '';
        finish = chunk.candidates?.[0]?.finishReason ?? finish;
        if (chunk.usageMetadata) last = chunk.usageMetadata;
    }
    ok(text.startsWith(exp.stream.start) && text.endsWith(exp.stream.end),
       'stream: text parts join into the answer', text);
    is(finish, 'STOP', 'stream: finishReason STOP');
    is(usage(last), want(exp.stream), 'stream: usageMetadata');
});

await run('tools', async () => {
    const r = await ai.models.generateContent({ model: `${type}-tools`,
                                                contents, config: { tools } });
    const calls = r.functionCalls ?? [];
    is(calls.length, exp.tools.calls, 'tools: number of function calls');
    is(calls[0]?.name, exp.tools.name, 'tools: function name');
    is(calls[0]?.args, exp.tools.args, 'tools: args object');
    is(r.candidates?.[0]?.finishReason, 'STOP', 'tools: finishReason STOP');
    is(usage(r.usageMetadata).slice(0, 2),
       [exp.tools.prompt, exp.tools.completion], 'tools: usageMetadata');
});

await run('tools-stream', async () => {
    // Gemini sends a call whole: the gateway must join the fragments of
    // the other dialects before the functionCall part goes out
    const stream = await ai.models.generateContentStream({
        model: `${type}-tools-stream`, contents, config: { tools } });
    const calls = [];
    let last;
    for await (const chunk of stream) {
        calls.push(...(chunk.functionCalls ?? []));
        if (chunk.usageMetadata) last = chunk.usageMetadata;
    }
    is(calls.length, 1, 'tools-stream: one whole function call');
    is(calls[0]?.name, exp.toolsStream.name, 'tools-stream: function name');
    is(calls[0]?.args, exp.toolsStream.args, 'tools-stream: args object');
    is(usage(last).slice(0, 2),
       [exp.toolsStream.prompt, exp.toolsStream.completion],
       'tools-stream: usageMetadata');
});

async function expectError(name, model, status, grpc) {
    await run(name, async () => {
        try {
            await ai.models.generateContent({ model, contents });
            ok(false, `${name}: an error is thrown`);
        } catch (e) {
            ok(e instanceof ApiError, `${name}: ApiError`, e);
            is(e.status, status, `${name}: status ${status}`);
            ok(e.message.includes(`"status":"${grpc}"`),
               `${name}: error.status ${grpc}`, e.message);
        }
    });
}

await expectError('e429', `${type}-e429`, 429, 'RESOURCE_EXHAUSTED');
await expectError('e400', `${type}-e400`, 400, 'INVALID_ARGUMENT');
if (type === 'anthropic') {
    await expectError('e529', `${type}-e529`, 503, 'UNAVAILABLE');
}

// reasoning arrives as parts marked thought: true
if (exp.thinking) {
    await run('thinking', async () => {
        const t = exp.thinking;
        const params = { model: `${type}-thinking`, contents,
                         config: { thinkingConfig: { includeThoughts: true } } };
        const chunks = [];
        if (t.stream) {
            for await (const c of await ai.models.generateContentStream(params))
                chunks.push(c);
        } else {
            chunks.push(await ai.models.generateContent(params));
        }
        let thought = '', text = '', finish;
        for (const c of chunks) {
            for (const p of c.candidates?.[0]?.content?.parts ?? []) {
                if (p.thought) thought += p.text ?? '';
                else text += p.text ?? '';
            }
            finish = c.candidates?.[0]?.finishReason ?? finish;
        }
        ok(thought.startsWith(t.reasoning), 'thinking: thought parts', thought);
        is(text, t.text, 'thinking: answer text');
        is(finish, t.finish === 'length' ? 'MAX_TOKENS' : 'STOP',
           'thinking: finishReason');
    });
}

// the turn after a function call: history with the call and its response
await run('after', async () => {
    const r = await ai.models.generateContent({ model: `${type}-after`,
        config: { tools }, contents: [
            { role: 'user', parts: [{ text: 'What is the weather in SF? (gemini-sdk-turn)' }] },
            { role: 'model', parts: [{ functionCall: { name: 'get_weather',
              args: { location: 'SF' } } }] },
            { role: 'user', parts: [{ functionResponse: { name: 'get_weather',
              response: { temp: 18 } } }] }] });
    ok((r.text ?? '').startsWith(exp.after),
       'after: the answer after the function response', r.text);
});

// a provider stream cut mid-body: the SDK must throw, not end cleanly
await run('cut', async () => {
    const stream = await ai.models.generateContentStream({
        model: `${type}-cut`, contents });
    let text = '';
    try {
        for await (const chunk of stream) text += chunk.text ?? '';
        ok(false, 'cut: the stream throws', text);
    } catch (e) {
        ok(e instanceof ApiError && e.status >= 500,
           'cut: a 5xx ApiError from the error chunk', String(e));
        ok(text.length > 0, 'cut: the text before the cut arrived', text);
    }
});

// not per provider type: once, in the Gemini run
if (type === 'gemini') {
    await run('models', async () => {
        const names = [];
        for await (const m of await ai.models.list()) names.push(m.name);
        ok(names.includes('models/gemini-text')
           && names.includes('models/openai-stream'),
           'models.list: the routes, in Gemini\'s shape', names);
    });
}
