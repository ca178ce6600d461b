// The npm `openai` SDK (Chat Completions) against the gateway, one provider
// type per run (argv[2]): text, stream, tools and streamed tools as the SDK
// parsed them, and an upstream 429 as the SDK's RateLimitError.

import OpenAI from 'openai';
import { expected } from './expect.mjs';
import { gateway, clientKey, type, ok, is, run } from './tap.mjs';

const exp = expected[type];
const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                            maxRetries: 0, timeout: 10000 });
const tools = [{ type: 'function', function: { name: 'get_weather',
                 parameters: { type: 'object', properties: {} } } }];
const user = [{ role: 'user', content: 'hi' }];

await run('text', async () => {
    const r = await client.chat.completions.create({ model: `${type}-text`,
                                                     messages: user });
    is(r.model, `${type}-text`, 'text: model is the name asked');
    ok(r.choices[0].message.content.startsWith(exp.text.start),
       'text: content', r.choices[0].message.content);
    is(r.choices[0].finish_reason, 'stop', 'text: finish_reason stop');
    is([r.usage.prompt_tokens, r.usage.completion_tokens,
        r.usage.total_tokens,
        r.usage.completion_tokens_details?.reasoning_tokens ?? 0],
       [exp.text.prompt, exp.text.completion,
        exp.text.prompt + exp.text.completion, exp.text.reasoning],
       'text: usage prompt, completion, total, reasoning');
});

await run('stream', async () => {
    const stream = await client.chat.completions.create({
        model: `${type}-stream`, messages: user, stream: true,
        stream_options: { include_usage: true } });
    let text = '', finish = null, usage = null, models = new Set();
    for await (const chunk of stream) {
        models.add(chunk.model);
        for (const c of chunk.choices) {
            text += c.delta?.content ?? '';
            finish = c.finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
    }
    is([...models], [`${type}-stream`], 'stream: every chunk has the model asked');
    ok(text.startsWith(exp.stream.start) && text.endsWith(exp.stream.end),
       'stream: text deltas join into the answer', text);
    is(finish, 'stop', 'stream: finish_reason stop');
    is([usage?.prompt_tokens, usage?.completion_tokens,
        usage?.completion_tokens_details?.reasoning_tokens ?? 0],
       [exp.stream.prompt, exp.stream.completion, exp.stream.reasoning],
       'stream: usage chunk');
});

await run('tools', async () => {
    const r = await client.chat.completions.create({ model: `${type}-tools`,
                                                     messages: user, tools });
    const calls = r.choices[0].message.tool_calls;
    is(calls.length, exp.tools.calls, 'tools: number of tool calls');
    is(calls[0].function.name, exp.tools.name, 'tools: tool name');
    is(JSON.parse(calls[0].function.arguments), exp.tools.args,
       'tools: arguments parse to the captured object');
    ok(typeof calls[0].id === 'string' && calls[0].id.length > 0,
       'tools: the call has an id', calls[0].id);
    is(r.choices[0].finish_reason, 'tool_calls', 'tools: finish_reason tool_calls');
    is([r.usage.prompt_tokens, r.usage.completion_tokens],
       [exp.tools.prompt, exp.tools.completion], 'tools: usage');
});

await run('tools-stream', async () => {
    // the SDK's own accumulator reassembles the argument fragments
    const runner = client.chat.completions.stream({
        model: `${type}-tools-stream`, messages: user, tools,
        stream_options: { include_usage: true } });
    const done = await runner.finalChatCompletion();
    const call = done.choices[0].message.tool_calls?.[0];
    is(call?.function.name, exp.toolsStream.name, 'tools-stream: tool name');
    is(JSON.parse(call?.function.arguments ?? 'null'), exp.toolsStream.args,
       'tools-stream: fragments reassemble into the captured arguments');
    is(done.choices[0].finish_reason, 'tool_calls',
       'tools-stream: finish_reason tool_calls');
    is([done.usage?.prompt_tokens, done.usage?.completion_tokens],
       [exp.toolsStream.prompt, exp.toolsStream.completion],
       'tools-stream: usage');
});

await run('e429', async () => {
    try {
        await client.chat.completions.create({ model: `${type}-e429`,
                                               messages: user });
        ok(false, 'e429: an error is thrown');
    } catch (e) {
        ok(e instanceof OpenAI.RateLimitError, 'e429: RateLimitError',
           e.constructor.name);
        is(e.status, 429, 'e429: status 429');
        ok(typeof e.error?.message === 'string' && e.error.message.length > 0,
           'e429: error.message in OpenAI shape', e.error);
    }
});

// Gemini says "bad key" with 400 + API_KEY_INVALID (the capture replayed
// here): other dialects get it as the 401 they use for that.
await run('e400', async () => {
    const [status, cls] = type === 'gemini'
        ? [401, OpenAI.AuthenticationError] : [400, OpenAI.BadRequestError];
    try {
        await client.chat.completions.create({ model: `${type}-e400`,
                                               messages: user });
        ok(false, 'e400: an error is thrown');
    } catch (e) {
        ok(e instanceof cls, `e400: ${cls.name}`, e.constructor.name);
        is(e.status, status, `e400: status ${status}`);
        ok(typeof e.error?.message === 'string', 'e400: error.message',
           e.error);
    }
});

// Anthropic's 529 "overloaded" is no HTTP status an OpenAI client knows:
// it must arrive as a 5xx the SDK retries on.
if (type === 'anthropic') {
    await run('e529', async () => {
        try {
            await client.chat.completions.create({ model: `${type}-e529`,
                                                   messages: user });
            ok(false, 'e529: an error is thrown');
        } catch (e) {
            ok(e instanceof OpenAI.InternalServerError,
               'e529: InternalServerError (retried by the SDK)',
               e.constructor.name);
            is(e.status, 503, 'e529: status 503');
        }
    });
}

// reasoning arrives in reasoning_content (the hub's DeepSeek-style field,
// which the SDK keeps as an extra property)
if (exp.thinking) {
    await run('thinking', async () => {
        const t = exp.thinking;
        let reasoning = '', text = '', finish;
        if (t.stream) {
            const stream = await client.chat.completions.create({
                model: `${type}-thinking`, messages: user, stream: true });
            for await (const chunk of stream) {
                const c = chunk.choices[0];
                reasoning += c?.delta?.reasoning_content ?? '';
                text += c?.delta?.content ?? '';
                finish = c?.finish_reason ?? finish;
            }
        } else {
            const r = await client.chat.completions.create({
                model: `${type}-thinking`, messages: user });
            reasoning = r.choices[0].message.reasoning_content ?? '';
            text = r.choices[0].message.content ?? '';
            finish = r.choices[0].finish_reason;
        }
        ok(reasoning.startsWith(t.reasoning), 'thinking: reasoning_content',
           reasoning);
        is(text, t.text, 'thinking: answer text');
        is(finish, t.finish, `thinking: finish_reason ${t.finish}`);
    });
}

// the turn after a tool call: history with the call and its result
await run('after', async () => {
    const r = await client.chat.completions.create({ model: `${type}-after`,
        tools, messages: [
            { role: 'user', content: 'What is the weather in SF? (openai-sdk-turn)' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_sdk_1',
              type: 'function', function: { name: 'get_weather',
              arguments: '{"location":"SF"}' } }] },
            { role: 'tool', tool_call_id: 'call_sdk_1',
              content: '{"temp":18}' }] });
    ok(r.choices[0].message.content.startsWith(exp.after),
       'after: the answer after the tool result', r.choices[0].message);
});

// a provider stream cut mid-body: the SDK must throw, not end cleanly
await run('cut', async () => {
    const stream = await client.chat.completions.create({
        model: `${type}-cut`, messages: user, stream: true });
    let text = '';
    try {
        for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? '';
        }
        ok(false, 'cut: the stream throws', text);
    } catch (e) {
        ok(e instanceof OpenAI.APIError, 'cut: APIError from the error chunk',
           String(e));
        ok(text.length > 0, 'cut: the text before the cut arrived', text);
    }
});

// not per provider type: once, in the OpenAI run
if (type === 'openai') {
    await run('models', async () => {
        const ids = [];
        for await (const m of client.models.list()) ids.push(m.id);
        ok(ids.includes('openai-text') && ids.includes('anthropic-count'),
           'models.list: the routes', ids);
    });
}
