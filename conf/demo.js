// The demo upstream: an OpenAI-compatible /v1/chat/completions that needs
// no account, so that a newcomer's first request gets a real answer (a
// streamed one when asked) before any provider key is set.  It answers with
// what it was sent and how to reach a real model.

function words(body) {
    var last = '';
    var msgs = body.messages || [];

    for (var i = msgs.length - 1; i >= 0; i--) {
        if (msgs[i].role === 'user') {
            last = typeof msgs[i].content === 'string'
                   ? msgs[i].content : JSON.stringify(msgs[i].content);
            break;
        }
    }

    var text = 'Hello from the ai-gateway demo upstream. You said: "'
               + last.slice(0, 200) + '". Set OPENAI_API_KEY (or '
               + 'ANTHROPIC_API_KEY, GEMINI_API_KEY) and restart to reach a '
               + 'real model.';

    return text.split(' ').map(function (w, i) { return (i ? ' ' : '') + w; });
}

function chunk(id, model, delta, finish) {
    return 'data: ' + JSON.stringify({
        id: id, object: 'chat.completion.chunk', created: 0, model: model,
        choices: [{ index: 0, delta: delta, finish_reason: finish }]
    }) + '\n\n';
}

function chat(r) {
    var body;

    try {
        body = JSON.parse(r.requestText || '{}');
    } catch (e) {
        r.return(400, JSON.stringify({ error: { message: 'invalid JSON',
            type: 'invalid_request_error', param: null, code: null } }));
        return;
    }

    var model = body.model || 'demo';
    var parts = words(body);
    var prompt = Math.ceil(JSON.stringify(body.messages || []).length / 4);
    var usage = { prompt_tokens: prompt, completion_tokens: parts.length,
                  total_tokens: prompt + parts.length };
    var id = 'chatcmpl-demo';

    r.headersOut['Content-Type'] = body.stream ? 'text/event-stream'
                                               : 'application/json';

    if (!body.stream) {
        r.return(200, JSON.stringify({
            id: id, object: 'chat.completion', created: 0, model: model,
            choices: [{ index: 0, finish_reason: 'stop',
                        message: { role: 'assistant', content: parts.join('') } }],
            usage: usage
        }));
        return;
    }

    r.status = 200;
    r.sendHeader();
    r.send(chunk(id, model, { role: 'assistant', content: '' }, null));

    var i = 0;

    function next() {
        if (i < parts.length) {
            r.send(chunk(id, model, { content: parts[i++] }, null));
            setTimeout(next, 40);
            return;
        }

        r.send(chunk(id, model, {}, 'stop'));

        if (body.stream_options && body.stream_options.include_usage) {
            r.send('data: ' + JSON.stringify({ id: id,
                object: 'chat.completion.chunk', created: 0, model: model,
                choices: [], usage: usage }) + '\n\n');
        }

        r.send('data: [DONE]\n\n');
        r.finish();
    }

    setTimeout(next, 40);
}

export default { chat };
