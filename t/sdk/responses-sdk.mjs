// The npm `openai` SDK's Responses API (client.responses) against the
// gateway, one provider type per run (argv[2]): openai (the Responses
// passthrough, captures of OpenAI's Responses API), anthropic, gemini and
// chat (an OpenAI-type provider declared api=chat), the last three through
// the engine's translation.  Text, stream, a function tool whole and
// streamed, and the turn that carries a function_call_output, as the SDK
// parsed them.

import OpenAI from 'openai';
import { expected } from './expect.mjs';
import { gateway, clientKey, type, ok, is, run } from './tap.mjs';

// the routes of sdk.t: responses-* replay Responses captures, chat-* the
// OpenAI chat captures behind api=chat
const prefix = type === 'openai' ? 'responses' : type;
const exp = type === 'chat' ? expected.openai : expected[prefix];
const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                            maxRetries: 0, timeout: 10000 });
const tools = [{ type: 'function', name: 'get_weather', strict: false,
                 parameters: { type: 'object', properties: {} } }];

function calls(r) {
    return r.output.filter((i) => i.type === 'function_call');
}

await run('text', async () => {
    const r = await client.responses.create({ model: `${prefix}-text`,
                                              input: 'hi' });
    is(r.model, `${prefix}-text`, 'text: model is the name asked');
    is(r.status, 'completed', 'text: status completed');
    ok(r.output_text.startsWith(exp.text.start), 'text: output_text',
       r.output_text);
    is([r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens,
        r.usage.output_tokens_details?.reasoning_tokens ?? 0],
       [exp.text.prompt, exp.text.completion,
        exp.text.prompt + exp.text.completion, exp.text.reasoning],
       'text: usage input, output, total, reasoning');
});

await run('stream', async () => {
    const stream = await client.responses.create({ model: `${prefix}-stream`,
                                                   input: 'hi', stream: true });
    let text = '', seq = [], done = null, added = new Set(), stray = [];
    for await (const ev of stream) {
        seq.push(ev.sequence_number);
        if (ev.type === 'response.output_item.added') added.add(ev.output_index);
        else if (ev.output_index !== undefined && !added.has(ev.output_index))
            stray.push(ev.type);
        if (ev.type === 'response.output_text.delta') text += ev.delta;
        if (ev.type === 'response.completed') done = ev.response;
    }
    is(seq, seq.map((_, i) => i), 'stream: sequence_number counts from 0');
    is(stray, [], 'stream: every event names an output_index already added');
    ok(text.startsWith(exp.stream.start) && text.endsWith(exp.stream.end),
       'stream: text deltas join into the answer', text);
    is(done?.model, `${prefix}-stream`, 'stream: response.model is the name asked');
    is([done?.usage?.input_tokens, done?.usage?.output_tokens,
        done?.usage?.output_tokens_details?.reasoning_tokens ?? 0],
       [exp.stream.prompt, exp.stream.completion, exp.stream.reasoning],
       'stream: usage at response.completed');
});

await run('tools', async () => {
    const r = await client.responses.create({ model: `${prefix}-tools`,
                                              input: 'weather?', tools });
    const c = calls(r);
    is(c.length, exp.tools.calls, 'tools: number of function_call items');
    is(c[0]?.name, exp.tools.name, 'tools: tool name');
    is(JSON.parse(c[0]?.arguments ?? 'null'), exp.tools.args,
       'tools: arguments parse to the captured object');
    ok(typeof c[0]?.call_id === 'string' && c[0].call_id.length > 0,
       'tools: the call has a call_id', c[0]);
    is([r.usage.input_tokens, r.usage.output_tokens],
       [exp.tools.prompt, exp.tools.completion], 'tools: usage');
});

// OpenAI's Responses captures hold no single streamed call: the
// passthrough's streams are checked by t/106-raw-streams.t
if (type !== 'openai') {
    await run('tools-stream', async () => {
        // the SDK's own accumulator joins the argument deltas
        const runner = client.responses.stream({
            model: `${prefix}-tools-stream`, input: 'weather?', tools });
        const done = await runner.finalResponse();
        const c = calls(done);
        is(c[0]?.name, exp.toolsStream.name, 'tools-stream: tool name');
        is(JSON.parse(c[0]?.arguments ?? 'null'), exp.toolsStream.args,
           'tools-stream: deltas join into the captured arguments');
        is([done.usage?.input_tokens, done.usage?.output_tokens],
           [exp.toolsStream.prompt, exp.toolsStream.completion],
           'tools-stream: usage');
    });
}

// the turn after a call: the call and its function_call_output in input
await run('after', async () => {
    const r = await client.responses.create({ model: `${prefix}-after`,
        tools, input: [
            { role: 'user', content: 'What is the weather in SF? (responses-sdk-turn)' },
            { type: 'function_call', call_id: 'call_sdk_1', name: 'get_weather',
              arguments: '{"location":"SF"}' },
            { type: 'function_call_output', call_id: 'call_sdk_1',
              output: '{"temp":18}' }] });
    ok(r.output_text.startsWith(exp.after),
       'after: the answer after the function_call_output', r.output);
});

// history only OpenAI keeps: a clear 400 anywhere else
if (type !== 'openai') {
    await run('previous', async () => {
        try {
            await client.responses.create({ model: `${prefix}-text`,
                input: 'and then?', previous_response_id: 'resp_sdk_1' });
            ok(false, 'previous_response_id: an error is thrown');
        } catch (e) {
            ok(e instanceof OpenAI.BadRequestError,
               'previous_response_id: BadRequestError', e.constructor.name);
            is(e.code, 'previous_response_not_supported',
               'previous_response_id: its code');
        }
    });
}
