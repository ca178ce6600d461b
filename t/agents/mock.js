// Mock providers for the agent tests (t/agents/agents.t), for nginx's njs:
// an OpenAI-type /v1/chat/completions and /v1/responses, an Anthropic-type
// /v1/messages and a Gemini-type generateContent / streamGenerateContent
// that play one agent turn each way:
//
// - a request with tools and no tool result yet is answered with tool
//   calls: Claude Code's Read tool, or Codex's shell tool printing the
//   file, on each file of $agw_files (a comma list of absolute paths); two
//   files make parallel calls, and the OpenAI mock then interleaves their
//   argument fragments, as the format allows (the Responses mock: one call
//   of Codex's shell tool printing the files);
// - a request carrying tool results is answered with the final text
//   "AGW-DONE" followed by every marker (agw-marker-...) found in those
//   results, so the answer proves the tool ran with the arguments sent;
// - anything else (an agent's side requests: titles, quotas) gets "ok".
//
// The Anthropic mock answers a request with thinking enabled with a signed
// thinking block first, and refuses thinking on a tool-result turn whose
// assistant turn lacks that block, as Anthropic does.  The Gemini mock
// signs its first call and refuses it back unsigned, as Gemini 3 does.
//
// A request the mock cannot read gets a 400 the agent reports, so a broken
// translation shows in the test's output instead of a hang.

var MARKER = /agw-marker-[a-z0-9]+/g;

function markers(results) {
    var found = [];

    results.forEach(function (text) {
        (text.match(MARKER) || []).forEach(function (m) {
            if (found.indexOf(m) < 0) {
                found.push(m);
            }
        });
    });

    found.sort();
    return 'AGW-DONE ' + found.join(' ');
}

function files(r) {
    return (r.variables.agw_files || '').split(',').filter(function (f) {
        return f.length > 0;
    });
}

function parse(r) {
    try {
        return JSON.parse(r.requestText || '');
    } catch (e) {
        r.return(400, JSON.stringify({ error: { code: 400,
            message: 'mock: the request is not JSON', type: 'invalid_request_error' } }));
        return null;
    }
}

function toolName(tools, want) {
    return tools.some(function (n) { return n === want; }) ? want : null;
}

// The shell tool of Codex under one of the names its versions use, and the
// arguments that make it run cmd
function shellTool(tools) {
    return toolName(tools, 'shell') || toolName(tools, 'exec_command')
           || toolName(tools, 'shell_command');
}

function shellArgs(shell, cmd) {
    return shell === 'shell' ? { command: ['bash', '-lc', cmd] }
           : shell === 'exec_command' ? { cmd: cmd }
           : { command: cmd };
}

// The calls of a first turn, as [{ name, args }]: Claude Code's Read on
// each file, or Codex's shell printing each file (parallel calls, the
// same as Read's); null when the agent offers neither tool
function firstCalls(r, tools) {
    var read = toolName(tools, 'Read'), shell = shellTool(tools);

    if (read === null && shell === null) {
        return null;
    }

    return files(r).map(function (f) {
        return read !== null ? { name: read, args: { file_path: f } }
               : { name: shell, args: shellArgs(shell, 'cat ' + f) };
    });
}


// OpenAI Chat Completions

function oaiChunk(delta, finish) {
    return 'data: ' + JSON.stringify({
        id: 'chatcmpl-agw-mock', object: 'chat.completion.chunk', created: 0,
        model: 'mock-model',
        choices: [{ index: 0, delta: delta, finish_reason: finish }]
    }) + '\n\n';
}

// The argument fragments of every call, interleaved: call 0's first piece,
// call 1's first piece, call 0's second piece, ...
function oaiToolStream(calls) {
    var out = oaiChunk({ role: 'assistant', content: null }, null);
    var pieces = calls.map(function (c) {
        var a = c.function.arguments, n = 3, len = Math.ceil(a.length / n);
        var p = [];
        for (var i = 0; i < a.length; i += len) {
            p.push(a.slice(i, i + len));
        }
        return p;
    });

    calls.forEach(function (c, k) {
        out += oaiChunk({ tool_calls: [{ index: k, id: c.id, type: 'function',
            function: { name: c.function.name, arguments: '' } }] }, null);
    });

    for (var i = 0; pieces.some(function (p) { return i < p.length; }); i++) {
        pieces.forEach(function (p, k) {
            if (i < p.length) {
                out += oaiChunk({ tool_calls: [{ index: k,
                    function: { arguments: p[i] } }] }, null);
            }
        });
    }

    return out + oaiChunk({}, 'tool_calls');
}

function chat(r) {
    var body = parse(r);
    if (body === null) {
        return;
    }

    var msgs = body.messages || [];
    var tools = (body.tools || []).map(function (t) {
        return t['function'] ? t['function'].name : '';
    });
    var results = msgs.filter(function (m) { return m.role === 'tool'; })
        .map(function (m) { return JSON.stringify(m.content); });
    var first = firstCalls(r, tools);
    var calls = [], text = null;

    if (results.length > 0) {
        text = markers(results);
    } else if (first !== null) {
        calls = first.map(function (c, k) {
            return { id: 'call_agw_' + k, type: 'function', function: {
                name: c.name, arguments: JSON.stringify(c.args) } };
        });
    } else {
        text = 'ok';
    }

    var usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

    if (!body.stream) {
        r.headersOut['Content-Type'] = 'application/json';
        r.return(200, JSON.stringify({
            id: 'chatcmpl-agw-mock', object: 'chat.completion', created: 0,
            model: 'mock-model', usage: usage,
            choices: [{ index: 0, finish_reason: text === null ? 'tool_calls' : 'stop',
                message: text === null
                    ? { role: 'assistant', content: null, tool_calls: calls }
                    : { role: 'assistant', content: text } }]
        }));
        return;
    }

    var sse = text === null
        ? oaiToolStream(calls)
        : oaiChunk({ role: 'assistant', content: '' }, null)
          + oaiChunk({ content: text }, null) + oaiChunk({}, 'stop');

    if (body.stream_options && body.stream_options.include_usage) {
        sse += 'data: ' + JSON.stringify({ id: 'chatcmpl-agw-mock',
            object: 'chat.completion.chunk', created: 0, model: 'mock-model',
            choices: [], usage: usage }) + '\n\n';
    }

    r.headersOut['Content-Type'] = 'text/event-stream';
    r.return(200, sse + 'data: [DONE]\n\n');
}


// Gemini generateContent / streamGenerateContent: the first call of a
// turn is signed, and a request that sends it back must carry the
// signature, or the validator's documented bypass value

var GEMINI_SIGNATURE = 'c2lnbmF0dXJlLWdlbWluaQ==';

function gemini(r) {
    var body = parse(r);
    if (body === null) {
        return;
    }

    var parts = [], results = [], tools = [], unsigned = 0;

    (body.contents || []).forEach(function (c) {
        (c.parts || []).forEach(function (p, k) {
            // Gemini 3 refuses a call of the model sent back without the
            // thought signature it came with (the first call of a turn)
            if (c.role === 'model' && p.functionCall && k === 0
                && p.thoughtSignature !== GEMINI_SIGNATURE
                && p.thoughtSignature !== 'skip_thought_signature_validator')
            {
                unsigned++;
            }
            if (p.functionResponse) {
                results.push(JSON.stringify(p.functionResponse));
            }
        });
    });

    (body.tools || []).forEach(function (t) {
        (t.functionDeclarations || []).forEach(function (d) {
            tools.push(d.name);
        });
    });

    var first = firstCalls(r, tools);

    if (unsigned > 0) {
        r.headersOut['Content-Type'] = 'application/json';
        r.return(400, JSON.stringify({ error: { code: 400, status:
            'INVALID_ARGUMENT', message: 'mock: Function call is missing a '
            + 'thought_signature in functionCall parts.' } }));
        return;
    }

    if (results.length > 0) {
        parts = [{ text: markers(results) }];
    } else if (first !== null) {
        parts = first.map(function (c, k) {
            var p = { functionCall: { name: c.name, args: c.args } };
            if (k === 0) {
                p.thoughtSignature = GEMINI_SIGNATURE;
            }
            return p;
        });
    } else {
        parts = [{ text: 'ok' }];
    }

    var answer = JSON.stringify({
        candidates: [{ content: { role: 'model', parts: parts },
                       finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5,
                         totalTokenCount: 15 },
        modelVersion: 'mock-model', responseId: 'agw-mock'
    });

    if (r.uri.indexOf(':streamGenerateContent') >= 0) {
        r.headersOut['Content-Type'] = 'text/event-stream';
        r.return(200, 'data: ' + answer + '\r\n\r\n');
        return;
    }

    r.headersOut['Content-Type'] = 'application/json';
    r.return(200, answer);
}


// Anthropic Messages (/v1/messages): its stream has one block at a time,
// so parallel calls are tool_use blocks one after the other, each input
// in three input_json_delta pieces

function antEvent(type, fields) {
    fields.type = type;
    return 'event: ' + type + '\ndata: ' + JSON.stringify(fields) + '\n\n';
}

function antStream(blocks, stop, usage) {
    var out = antEvent('message_start', { message: { id: 'msg_agw_mock',
        type: 'message', role: 'assistant', model: 'mock-model', content: [],
        stop_reason: null, stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } });

    blocks.forEach(function (b, k) {
        if (b.type === 'thinking') {
            out += antEvent('content_block_start', { index: k,
                       content_block: { type: 'thinking', thinking: '' } })
                + antEvent('content_block_delta', { index: k,
                       delta: { type: 'thinking_delta', thinking: b.thinking } })
                + antEvent('content_block_delta', { index: k,
                       delta: { type: 'signature_delta',
                                signature: b.signature } });

        } else if (b.type === 'text') {
            out += antEvent('content_block_start', { index: k,
                       content_block: { type: 'text', text: '' } })
                + antEvent('content_block_delta', { index: k,
                       delta: { type: 'text_delta', text: b.text } });

        } else {
            var a = JSON.stringify(b.input), len = Math.ceil(a.length / 3);

            out += antEvent('content_block_start', { index: k,
                       content_block: { type: 'tool_use', id: b.id,
                                        name: b.name, input: {} } });

            for (var i = 0; i < a.length; i += len) {
                out += antEvent('content_block_delta', { index: k,
                    delta: { type: 'input_json_delta',
                             partial_json: a.slice(i, i + len) } });
            }
        }

        out += antEvent('content_block_stop', { index: k });
    });

    return out + antEvent('message_delta', { delta: { stop_reason: stop,
                              stop_sequence: null },
                              usage: { output_tokens: usage.output_tokens } })
        + antEvent('message_stop', {});
}

function anthropic(r) {
    var body = parse(r);
    if (body === null) {
        return;
    }

    var results = [], msgs = body.messages || [];
    var thinking = body.thinking && body.thinking.type === 'enabled';

    // Anthropic refuses thinking on a tool-result turn whose assistant
    // turn does not start with its signed thinking block: so does the mock
    var last = msgs.filter(function (m) { return m.role === 'assistant'; })
                   .pop();
    if (thinking && last && Array.isArray(last.content)
        && last.content.some(function (b) { return b.type === 'tool_use'; })
        && (last.content[0].type !== 'thinking' || !last.content[0].signature))
    {
        r.headersOut['Content-Type'] = 'application/json';
        r.return(400, JSON.stringify({ type: 'error', error: {
            type: 'invalid_request_error', message: 'mock: messages: the '
            + 'assistant turn with tool_use must start with a thinking block '
            + 'when thinking is enabled' } }));
        return;
    }

    msgs.forEach(function (m) {
        (Array.isArray(m.content) ? m.content : []).forEach(function (b) {
            if (b.type === 'tool_result') {
                results.push(JSON.stringify(b.content));
            }
        });
    });

    var first = firstCalls(r, (body.tools || []).map(function (t) {
        return t.name || '';
    }));
    var blocks, stop;

    if (results.length > 0 || first === null) {
        blocks = [{ type: 'text',
                    text: results.length > 0 ? markers(results) : 'ok' }];
        stop = 'end_turn';
    } else {
        blocks = first.map(function (c, k) {
            return { type: 'tool_use', id: 'toolu_agw_' + k, name: c.name,
                     input: c.args };
        });
        stop = 'tool_use';
    }

    if (thinking) {
        blocks.unshift({ type: 'thinking', thinking: 'The files, then.',
                         signature: 'c2lnbmF0dXJlLW1vY2s=' });
    }

    var usage = { input_tokens: 10, output_tokens: 5 };

    if (!body.stream) {
        r.headersOut['Content-Type'] = 'application/json';
        r.return(200, JSON.stringify({ id: 'msg_agw_mock', type: 'message',
            role: 'assistant', model: 'mock-model', content: blocks,
            stop_reason: stop, stop_sequence: null, usage: usage }));
        return;
    }

    r.headersOut['Content-Type'] = 'text/event-stream';
    r.return(200, antStream(blocks, stop, usage));
}


// OpenAI Responses (/v1/responses, streamed): the shell tool of Codex,
// which has no file-reading tool of its own, prints the files

function rsEvent(type, fields) {
    fields.type = type;
    return 'event: ' + type + '\ndata: ' + JSON.stringify(fields) + '\n\n';
}

function responses(r) {
    var body = parse(r);
    if (body === null) {
        return;
    }

    var input = Array.isArray(body.input) ? body.input : [];
    var results = input.filter(function (i) {
        return i.type === 'function_call_output';
    }).map(function (i) { return JSON.stringify(i.output); });
    var tools = (body.tools || []).map(function (t) { return t.name || ''; });
    var shell = shellTool(tools);
    var item;

    if (results.length > 0 || shell === null) {
        item = { type: 'message', id: 'msg_agw', role: 'assistant',
                 status: 'completed', content: [{ type: 'output_text',
                     text: results.length > 0 ? markers(results) : 'ok',
                     annotations: [] }] };
    } else {
        var args = shellArgs(shell, 'cat ' + files(r).join(' '));
        item = { type: 'function_call', id: 'fc_agw', call_id: 'call_agw',
                 name: shell, arguments: JSON.stringify(args),
                 status: 'completed' };
    }

    var resp = { id: 'resp_agw', object: 'response', created_at: 0,
                 model: 'mock-model', status: 'in_progress', output: [] };
    var sse = rsEvent('response.created', { response: resp })
        + rsEvent('response.output_item.added',
                  { output_index: 0, item: item })
        + rsEvent('response.output_item.done',
                  { output_index: 0, item: item });

    resp.status = 'completed';
    resp.output = [item];
    resp.usage = { input_tokens: 10, output_tokens: 5, total_tokens: 15,
                   input_tokens_details: { cached_tokens: 0 },
                   output_tokens_details: { reasoning_tokens: 0 } };

    r.headersOut['Content-Type'] = 'text/event-stream';
    r.return(200, sse + rsEvent('response.completed', { response: resp }));
}

export default { chat, gemini, anthropic, responses };
