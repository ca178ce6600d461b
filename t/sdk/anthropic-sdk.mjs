// The npm `@anthropic-ai/sdk` SDK (Messages) against the gateway, one
// provider type per run (argv[2]): text, stream, tools and streamed tools
// as the SDK parsed them (its MessageStream joins the partial_json
// fragments), and upstream errors as the SDK's error classes.

import Anthropic from '@anthropic-ai/sdk';
import { expected } from './expect.mjs';
import { gateway, clientKey, type, ok, is, run } from './tap.mjs';

const exp = expected[type];
const client = new Anthropic({ baseURL: gateway, apiKey: clientKey,
                               maxRetries: 0, timeout: 10000 });
const tools = [{ name: 'get_weather',
                 input_schema: { type: 'object', properties: {} } }];
const user = [{ role: 'user', content: 'hi' }];

function usage(u) {
    return [u.input_tokens + (u.cache_read_input_tokens ?? 0)
            + (u.cache_creation_input_tokens ?? 0), u.output_tokens];
}

await run('text', async () => {
    const m = await client.messages.create({ model: `${type}-text`,
                                             max_tokens: 100, messages: user });
    is(m.model, `${type}-text`, 'text: model is the name asked');
    is(m.type, 'message', 'text: a message');
    const text = m.content.filter(b => b.type === 'text').map(b => b.text)
        .join('');
    ok(text.startsWith(exp.text.start), 'text: text block', m.content);
    is(m.stop_reason, 'end_turn', 'text: stop_reason end_turn');
    is(usage(m.usage), [exp.text.prompt, exp.text.completion], 'text: usage');
});

await run('stream', async () => {
    const stream = client.messages.stream({ model: `${type}-stream`,
                                            max_tokens: 100, messages: user });
    let deltas = '';
    stream.on('text', t => { deltas += t; });
    const m = await stream.finalMessage();
    const text = m.content.filter(b => b.type === 'text').map(b => b.text)
        .join('');
    is(deltas, text, 'stream: text events join into the final message');
    ok(text.startsWith(exp.stream.start) && text.endsWith(exp.stream.end),
       'stream: text', text);
    is(m.model, `${type}-stream`, 'stream: model is the name asked');
    is(m.stop_reason, 'end_turn', 'stream: stop_reason end_turn');
    is(usage(m.usage), [exp.stream.prompt, exp.stream.completion],
       'stream: usage');
});

await run('tools', async () => {
    const m = await client.messages.create({ model: `${type}-tools`,
        max_tokens: 100, messages: user, tools });
    const uses = m.content.filter(b => b.type === 'tool_use');
    is(uses.length, exp.tools.calls, 'tools: number of tool_use blocks');
    is(uses[0]?.name, exp.tools.name, 'tools: tool name');
    is(uses[0]?.input, exp.tools.args, 'tools: input object');
    ok(typeof uses[0]?.id === 'string' && uses[0].id.length > 0,
       'tools: the block has an id', uses[0]);
    is(m.stop_reason, 'tool_use', 'tools: stop_reason tool_use');
    is(usage(m.usage), [exp.tools.prompt, exp.tools.completion],
       'tools: usage');
});

await run('tools-stream', async () => {
    const stream = client.messages.stream({ model: `${type}-tools-stream`,
        max_tokens: 100, messages: user, tools });
    const m = await stream.finalMessage();
    const use = m.content.find(b => b.type === 'tool_use');
    is(use?.name, exp.toolsStream.name, 'tools-stream: tool name');
    is(use?.input, exp.toolsStream.args,
       'tools-stream: partial_json fragments parse into the input');
    is(m.stop_reason, 'tool_use', 'tools-stream: stop_reason tool_use');
    is(usage(m.usage), [exp.toolsStream.prompt, exp.toolsStream.completion],
       'tools-stream: usage');
});

async function expectError(name, model, cls, status) {
    await run(name, async () => {
        try {
            await client.messages.create({ model, max_tokens: 10,
                                           messages: user });
            ok(false, `${name}: an error is thrown`);
        } catch (e) {
            ok(e instanceof cls, `${name}: ${cls.name}`, e.constructor.name);
            is(e.status, status, `${name}: status ${status}`);
            is(e.error?.type, 'error', `${name}: body is {"type":"error",...}`);
            ok(typeof e.error?.error?.message === 'string',
               `${name}: error.message`, e.error);
        }
    });
}

await expectError('e429', `${type}-e429`, Anthropic.RateLimitError, 429);
// Gemini's bad-key 400 (API_KEY_INVALID) is Anthropic's 401
if (type === 'gemini') {
    await expectError('e400', `${type}-e400`, Anthropic.AuthenticationError,
                      401);
} else {
    await expectError('e400', `${type}-e400`, Anthropic.BadRequestError, 400);
}
if (type === 'anthropic') {
    await expectError('e529', `${type}-e529`, Anthropic.InternalServerError,
                      529);
}

// reasoning arrives as a thinking block
if (exp.thinking) {
    await run('thinking', async () => {
        const t = exp.thinking;
        const params = { model: `${type}-thinking`, max_tokens: 2000,
                         thinking: { type: 'enabled', budget_tokens: 1024 },
                         messages: user };
        const m = t.stream ? await client.messages.stream(params).finalMessage()
                           : await client.messages.create(params);
        const think = m.content.filter(b => b.type === 'thinking');
        ok(think.length === 1 && think[0].thinking.startsWith(t.reasoning),
           'thinking: a thinking block', m.content);
        if (type === 'anthropic') {
            ok(think[0]?.signature?.length > 0,
               'thinking: the signature kept', think[0]);
        }
        is(m.content.filter(b => b.type === 'text').map(b => b.text).join(''),
           t.text, 'thinking: answer text');
        is(m.stop_reason, t.finish === 'length' ? 'max_tokens' : 'end_turn',
           'thinking: stop_reason');
    });
}

// the turn after a tool call: history with the call and its result
await run('after', async () => {
    const m = await client.messages.create({ model: `${type}-after`,
        max_tokens: 100, tools, messages: [
            { role: 'user', content: 'What is the weather in SF? (anthropic-sdk-turn)' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_sdk_1',
              name: 'get_weather', input: { location: 'SF' } }] },
            { role: 'user', content: [{ type: 'tool_result',
              tool_use_id: 'toolu_sdk_1', content: '{"temp":18}' }] }] });
    const text = m.content.filter(b => b.type === 'text').map(b => b.text)
        .join('');
    ok(text.startsWith(exp.after), 'after: the answer after the tool result',
       m.content);
});

// a provider stream cut mid-body: the SDK must throw, not end cleanly
await run('cut', async () => {
    const stream = client.messages.stream({ model: `${type}-cut`,
                                            max_tokens: 100, messages: user });
    let text = '';
    stream.on('text', t => { text += t; });
    try {
        await stream.finalMessage();
        ok(false, 'cut: the stream throws', text);
    } catch (e) {
        ok(e instanceof Anthropic.APIError, 'cut: APIError from event: error',
           String(e));
        ok(text.length > 0, 'cut: the text before the cut arrived', text);
    }
});

// not per provider type: once, in the Anthropic run
if (type === 'anthropic') {
    await run('count_tokens', async () => {
        const r = await client.messages.countTokens({
            model: 'anthropic-count',
            messages: [{ role: 'user', content: 'Hello, world' }] });
        is(r.input_tokens, 14, 'count_tokens: input_tokens');
    });
    await run('models', async () => {
        const ids = [];
        for await (const m of client.models.list()) ids.push(m.id);
        ok(ids.includes('anthropic-text') && ids.includes('gemini-stream'),
           'models.list: the routes, in Anthropic\'s shape', ids);
    });
}
