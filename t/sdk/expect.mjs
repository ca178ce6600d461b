// What each provider type's capture says, as the SDKs should parse it
// after the gateway: the scenario TYPE-SCENARIO of t/sdk/sdk.t replays
// these files of t/fixtures/ (usage numbers and texts are copied from
// them; completion counts include reasoning tokens).

const openaiText = {
    // the answer the "after" scenario replays (openai-chat/response-text.json)
    after: '**Holiday Name:** Galaxy Day',
    // openai-chat/response-text.json
    text: { start: '**Holiday Name:** Galaxy Day', prompt: 16, completion: 363,
            reasoning: 0 },
    // openai-chat/response-parallel-tool-calls.json (first of two calls)
    tools: { name: 'GetWeatherArgs',
             args: { city: 'Edinburgh', country: 'GB', units: 'c' },
             calls: 2, prompt: 149, completion: 60 },
    // openai-chat/stream-tool-calls.sse (arguments in 8 fragments)
    toolsStream: { name: 'get_weather',
                   args: { city: 'San Francisco', state: 'CA' },
                   prompt: 48, completion: 19 },
};

export const expected = {
    // OpenAI's Responses API, passed through (t/sdk/responses-sdk.mjs)
    responses: {
        // openai-responses/response-text.documented.json
        after: 'In a peaceful grove beneath a silver moon',
        text: { start: 'In a peaceful grove beneath a silver moon',
                prompt: 36, completion: 87, reasoning: 0 },
        // openai-responses/stream-text.chunks.jsonl
        stream: { start: '`arm64`', end: '(Apple Silicon).', prompt: 444,
                  completion: 12, reasoning: 0 },
        // openai-responses/response-function-call.documented.json
        tools: { name: 'get_current_weather',
                 args: { location: 'Boston, MA', unit: 'celsius' },
                 calls: 1, prompt: 291, completion: 23 },
    },
    openai: { ...openaiText,
        // openai-chat/stream-include-usage.chunks.jsonl
        stream: { start: '**Holiday Name:** Harmony Day',
                  end: 'mutual respect.', prompt: 16, completion: 300,
                  reasoning: 0 } },
    azure: { ...openaiText,
        // openai-chat/stream-reasoning-usage-azure.chunks.jsonl
        stream: { start: 'Capital of Denmark.', end: 'Capital of Denmark.',
                  prompt: 15, completion: 78, reasoning: 64 } },
    anthropic: {
        // anthropic-messages/response-after-tool-result.json
        after: "I apologize, but I'm getting an error",
        // anthropic-messages/response-text.json
        text: { start: "Hello! I'm doing well", prompt: 12, completion: 29,
                reasoning: 0 },
        // anthropic-messages/stream-text.sse
        stream: { start: '[12345,67890]', end: '[12345,67890]', prompt: 135,
                  completion: 10, reasoning: 0 },
        // anthropic-messages/response-tool-use.json
        tools: { name: 'get_weather',
                 args: { location: 'San Francisco, CA', units: 'f' },
                 calls: 1, prompt: 656, completion: 74 },
        // anthropic-messages/stream-thinking.chunks.jsonl (a stream)
        thinking: { stream: true,
                    reasoning: 'The previous result was 925. Now I need to '
                               + 'divide that by 5.\n\n925 ÷ 5 = 185',
                    text: '925 ÷ 5 = 185', finish: 'stop' },
        // anthropic-messages/stream-tool-use.sse (partial_json fragments)
        toolsStream: { name: 'get_weather',
                       args: { location: 'San Francisco, CA', units: 'f' },
                       prompt: 656, completion: 74 },
    },
    gemini: {
        // gemini/response-after-function-response.json
        after: "I've divided 10 by 2 using the customDivide function",
        // gemini/response-text-thoughts.json (244 thought tokens)
        text: { start: "There are **3** r's in strawberry.", prompt: 9,
                completion: 272, reasoning: 244 },
        // gemini/stream-text-usage.chunks.jsonl (260 thought tokens)
        stream: { start: 'low!', end: 'rather than violet.', prompt: 20,
                  completion: 513, reasoning: 260 },
        // gemini/response-thought-part.json (whole; only a thought part)
        thinking: { stream: false,
                    reasoning: '**Breaking Down the Sum of Natural Numbers**',
                    text: '', finish: 'length' },
        // gemini/response-function-call.json
        tools: { name: 'customDivide', args: { denominator: 2, numerator: 10 },
                 calls: 1, prompt: 17, completion: 6 },
        // gemini/stream-function-call.chunks.jsonl
        toolsStream: { name: 'customDivide',
                       args: { denominator: 2, numerator: 10 },
                       prompt: 17, completion: 6 },
    },
};
