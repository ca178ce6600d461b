// The official SDKs refused by a key's concurrency limit (t/sdk/retry.t):
// a call of the key is held by the mock provider below, the SDK's own call
// gets the gateway's 429, waits as the answer says, retries and gets the
// answer.  How each SDK decides (read in node_modules):
//   openai, @anthropic-ai/sdk: retry a 429 unless x-should-retry is
//     "false"; wait retry-after-ms, else Retry-After, else their backoff;
//   @google/genai: retries only with httpOptions.retryOptions, on 429
//     among others, and reads no header: it backs off from initialDelay.
// The SDKs' fetch is wrapped to see every answer and when each call went.

import http from 'node:http';
import fs from 'node:fs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { expected } from './expect.mjs';
import { gateway, clientKey, ok, is, run } from './tap.mjs';

const fixtures = new URL('../fixtures/', import.meta.url);
const answers = {
    openai: 'openai-chat/response-text.json',
    responses: 'openai-responses/response-text.documented.json',
    anthropic: 'anthropic-messages/response-text.json',
    gemini: 'gemini/response-text-thoughts.json',
};

// The mock provider: the first call of each dialect is held until its
// release(); the others are answered at once.
const mock = {};
for (const d of Object.keys(answers)) {
    let arrived, release;
    mock[d] = { calls: 0,
                arrived: new Promise((r) => { arrived = r; }),
                released: new Promise((r) => { release = r; }) };
    mock[d].arrive = arrived;
    mock[d].release = release;
}

function dialectOf(url) {
    if (url.includes('/responses')) return 'responses';
    if (url.startsWith('/anthropic/')) return 'anthropic';
    if (url.startsWith('/gemini/')) return 'gemini';
    return 'openai';
}

const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
        const d = dialectOf(req.url);
        const m = mock[d];
        if (++m.calls === 1) {
            m.arrive();
            await m.released;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fs.readFileSync(new URL(answers[d], fixtures)));
    });
});
await new Promise((r) => server.listen(Number(process.env.AGW_MOCK_PORT),
                                       '127.0.0.1', r));

// A fetch that records each answer; the retry waits for the held call to
// end first, so the slot it frees is free (an order, not a sleep).
function watched(d, held) {
    const seen = [];
    const f = async (url, init) => {
        const at = Date.now();
        if (seen.length > 0) {
            await held.catch(() => {});
        }
        const res = await fetch(url, init);
        seen.push({ status: res.status, at, headers: res.headers });
        if (res.status === 429) {
            mock[d].release();
        }
        return res;
    };
    return { fetch: f, seen };
}

// The checks common to every SDK: refused once with the headers, retried
// no sooner than it was told, then answered.
function checkRetry(d, seen, waitMs) {
    is(seen.map((s) => s.status), [429, 200],
       `${d}: refused once, then answered`);
    const h = seen[0]?.headers;
    is([h?.get('retry-after'), h?.get('retry-after-ms'),
        h?.get('x-should-retry')], ['1', '1000', 'true'],
       `${d}: Retry-After 1, retry-after-ms 1000, x-should-retry true`);
    const waited = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0);
    ok(waited >= waitMs, `${d}: the retry came ${waitMs} ms or more after `
       + 'the refusal', waited);
    is(mock[d].calls, 2, `${d}: the provider saw the held call and the retry`);
}

const user = [{ role: 'user', content: 'hi' }];

await run('openai', async () => {
    const first = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                               maxRetries: 0 });
    const held = first.chat.completions.create({ model: 'openai-slow',
                                                 messages: user });
    await mock.openai.arrived;
    const w = watched('openai', held);
    const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                                maxRetries: 2, fetch: w.fetch });
    const r = await client.chat.completions.create({ model: 'openai-slow',
                                                     messages: user });
    ok(r.choices[0].message.content.startsWith(expected.openai.text.start),
       'openai: the retried call has the answer', r.choices[0].message);
    ok((await held).choices.length === 1, 'openai: the held call answered');
    checkRetry('openai', w.seen, 1000);
    const rl = w.seen[0].headers;
    ok(rl.get('x-ratelimit-limit-requests') === null
       && rl.get('x-ratelimit-remaining-requests') === null,
       'openai: no request-window headers for a key with none');
});

await run('responses', async () => {
    const first = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                               maxRetries: 0 });
    const held = first.responses.create({ model: 'openai-slow',
                                          input: 'hi' });
    await mock.responses.arrived;
    const w = watched('responses', held);
    const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: clientKey,
                                maxRetries: 2, fetch: w.fetch });
    const r = await client.responses.create({ model: 'openai-slow',
                                              input: 'hi' });
    ok(r.output_text.startsWith(expected.responses.text.start),
       'responses: the retried call has the answer', r.output_text);
    await held;
    checkRetry('responses', w.seen, 1000);
});

await run('anthropic', async () => {
    const first = new Anthropic({ baseURL: gateway, apiKey: clientKey,
                                  maxRetries: 0 });
    const held = first.messages.create({ model: 'anthropic-slow',
                                         max_tokens: 64, messages: user });
    await mock.anthropic.arrived;
    const w = watched('anthropic', held);
    const client = new Anthropic({ baseURL: gateway, apiKey: clientKey,
                                   maxRetries: 2, fetch: w.fetch });
    const r = await client.messages.create({ model: 'anthropic-slow',
                                             max_tokens: 64,
                                             messages: user });
    ok(r.content[0].text.startsWith(expected.anthropic.text.start),
       'anthropic: the retried call has the answer', r.content);
    await held;
    checkRetry('anthropic', w.seen, 1000);
});

await run('gemini', async () => {
    const first = new GoogleGenAI({ apiKey: clientKey,
        httpOptions: { baseUrl: gateway, retryOptions: { attempts: 1 } } });
    const held = first.models.generateContent({ model: 'gemini-slow',
                                                contents: 'hi' });
    await mock.gemini.arrived;
    const w = watched('gemini', held);
    const ai = new GoogleGenAI({ apiKey: clientKey,
        httpOptions: { baseUrl: gateway, fetch: w.fetch,
                       retryOptions: { attempts: 3, initialDelay: 1 } } });
    const r = await ai.models.generateContent({ model: 'gemini-slow',
                                                contents: 'hi' });
    ok((r.text ?? '').startsWith(expected.gemini.text.start),
       'gemini: the retried call has the answer', r.text);
    await held;
    // its backoff starts at initialDelay (1 s), the Retry-After it ignores
    checkRetry('gemini', w.seen, 1000);
});

server.close();
server.closeAllConnections?.();
