import { describe, expect, it } from 'vitest';
import { unwrapLlmResponse } from './llm-response.ts';

// Fixtures: responses as the vendors' API references show them (ids and texts as there).

const openAiChatCompletion = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Hello! How can I assist you today?',
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 19,
    completion_tokens: 10,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  service_tier: 'default',
};

const openAiToolCallCompletion = {
  id: 'chatcmpl-abc123',
  object: 'chat.completion',
  created: 1699896916,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_abc123',
            type: 'function',
            function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
};

const openAiResponse = {
  id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
  object: 'response',
  created_at: 1741476542,
  status: 'completed',
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'gpt-4.1-2025-04-14',
  output: [
    {
      type: 'message',
      id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
      status: 'completed',
      role: 'assistant',
      content: [
        {
          type: 'output_text',
          text: 'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.',
          annotations: [],
        },
      ],
    },
  ],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: 1.0,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1.0,
  truncation: 'disabled',
  usage: {
    input_tokens: 36,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 87,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 123,
  },
  user: null,
  metadata: {},
};

const openAiReasoningWithFunctionCall = {
  id: 'resp_68af4030592c81938ec0a5fbab4a3e9f05438e46b5f69a3b',
  object: 'response',
  model: 'o4-mini-2025-04-16',
  output: [
    { type: 'reasoning', id: 'rs_68af4030baa48193b0b43b4c2a176a1a05438e46b5f69a3b', summary: [] },
    {
      type: 'function_call',
      id: 'fc_12345xyz',
      call_id: 'call_12345xyz',
      name: 'get_weather',
      arguments: '{"location":"Paris, France"}',
    },
  ],
  usage: {
    input_tokens: 75,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 152,
    output_tokens_details: { reasoning_tokens: 128 },
    total_tokens: 227,
  },
};

const anthropicMessage = {
  content: [{ text: 'Hi! My name is Claude.', type: 'text' }],
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  model: 'claude-3-7-sonnet-20250219',
  role: 'assistant',
  stop_reason: 'end_turn',
  stop_sequence: null,
  type: 'message',
  usage: {
    input_tokens: 2095,
    output_tokens: 503,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
};

const anthropicToolUse = {
  id: 'msg_01Aq9w938a90dw8q',
  model: 'claude-3-5-sonnet-20241022',
  stop_reason: 'tool_use',
  role: 'assistant',
  type: 'message',
  content: [
    {
      type: 'text',
      text: 'I need to use get_weather, and the user wants SF, which is likely San Francisco, CA.',
    },
    {
      type: 'tool_use',
      id: 'toolu_01A09q90qw90lq917835lq9',
      name: 'get_weather',
      input: { location: 'San Francisco, CA', unit: 'celsius' },
    },
  ],
  usage: { input_tokens: 384, output_tokens: 86 },
};

/** A LangChain.js `AIMessage` from `ChatOpenAI.invoke` (its own fields, as an object). */
const langChainOpenAiMessage = {
  id: 'chatcmpl-9rB4GvhlRb0x3hxupLBQYOKKmTxvV',
  content: "J'adore la programmation.",
  additional_kwargs: {},
  response_metadata: {
    tokenUsage: { completionTokens: 5, promptTokens: 31, totalTokens: 36 },
    finish_reason: 'stop',
    model_name: 'gpt-4o-mini-2024-07-18',
  },
  tool_calls: [],
  invalid_tool_calls: [],
  usage_metadata: { input_tokens: 31, output_tokens: 5, total_tokens: 36 },
};

/** A LangChain.js `AIMessage` from `ChatAnthropic.invoke`: content blocks, a tool call. */
const langChainAnthropicMessage = {
  id: 'msg_01QDpd78JUHpRP6bRRNyzbW3',
  content: [
    { type: 'text', text: 'Let me look up the weather.' },
    { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Oslo' } },
  ],
  response_metadata: {
    id: 'msg_01QDpd78JUHpRP6bRRNyzbW3',
    model: 'claude-3-5-sonnet-20240620',
    stop_reason: 'tool_use',
    usage: { input_tokens: 25, output_tokens: 11 },
  },
  tool_calls: [{ name: 'get_weather', args: { city: 'Oslo' }, id: 'toolu_01', type: 'tool_call' }],
  usage_metadata: { input_tokens: 25, output_tokens: 11, total_tokens: 36 },
};

describe('unwrapLlmResponse', () => {
  it('takes a plain string as the text', () => {
    expect(unwrapLlmResponse('Paris.')).toEqual({
      text: 'Paris.',
      model: undefined,
      usage: undefined,
      toolCalls: [],
    });
  });

  it('unwraps an OpenAI chat completion: choices[0].message.content, model, usage', () => {
    expect(unwrapLlmResponse(openAiChatCompletion)).toEqual({
      text: 'Hello! How can I assist you today?',
      model: 'gpt-4.1-2025-04-14',
      usage: { promptTokens: 19, completionTokens: 10, totalTokens: 29 },
      toolCalls: [],
    });
  });

  it('unwraps an OpenAI chat completion that only calls a tool (content null)', () => {
    expect(unwrapLlmResponse(openAiToolCallCompletion)).toEqual({
      text: '',
      model: 'gpt-4o-mini',
      usage: { promptTokens: 82, completionTokens: 17, totalTokens: 99 },
      toolCalls: [
        { id: 'call_abc123', name: 'get_current_weather', arguments: { location: 'Boston, MA' } },
      ],
    });
  });

  it('unwraps a legacy completion (choices[0].text)', () => {
    const legacy = {
      object: 'text_completion',
      model: 'gpt-3.5-turbo-instruct',
      choices: [{ text: '\n\nThis is indeed a test', index: 0, finish_reason: 'length' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    };
    expect(unwrapLlmResponse(legacy)).toMatchObject({
      text: '\n\nThis is indeed a test',
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
    });
  });

  it('unwraps an OpenAI Responses API response: output_text parts of message items', () => {
    expect(unwrapLlmResponse(openAiResponse)).toEqual({
      text: 'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.',
      model: 'gpt-4.1-2025-04-14',
      usage: { promptTokens: 36, completionTokens: 87, totalTokens: 123 },
      toolCalls: [],
    });
  });

  it('unwraps a Responses API function call, skipping reasoning items', () => {
    expect(unwrapLlmResponse(openAiReasoningWithFunctionCall)).toEqual({
      text: '',
      model: 'o4-mini-2025-04-16',
      usage: { promptTokens: 75, completionTokens: 152, totalTokens: 227 },
      toolCalls: [
        { id: 'call_12345xyz', name: 'get_weather', arguments: { location: 'Paris, France' } },
      ],
    });
  });

  it('unwraps an Anthropic message: text blocks, model, input_tokens/output_tokens', () => {
    expect(unwrapLlmResponse(anthropicMessage)).toEqual({
      text: 'Hi! My name is Claude.',
      model: 'claude-3-7-sonnet-20250219',
      usage: { promptTokens: 2095, completionTokens: 503 },
      toolCalls: [],
    });
  });

  it('unwraps an Anthropic tool_use response: the text blocks, and the tool asked for', () => {
    expect(unwrapLlmResponse(anthropicToolUse)).toEqual({
      text: 'I need to use get_weather, and the user wants SF, which is likely San Francisco, CA.',
      model: 'claude-3-5-sonnet-20241022',
      usage: { promptTokens: 384, completionTokens: 86 },
      toolCalls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          arguments: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      ],
    });
  });

  it('unwraps a LangChain message: content string, model_name, usage_metadata', () => {
    expect(unwrapLlmResponse(langChainOpenAiMessage)).toEqual({
      text: "J'adore la programmation.",
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 31, completionTokens: 5, totalTokens: 36 },
      toolCalls: [],
    });
  });

  it('unwraps a LangChain message with content blocks, its model and tool call once', () => {
    expect(unwrapLlmResponse(langChainAnthropicMessage)).toEqual({
      text: 'Let me look up the weather.',
      model: 'claude-3-5-sonnet-20240620',
      usage: { promptTokens: 25, completionTokens: 11, totalTokens: 36 },
      toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: { city: 'Oslo' } }],
    });
  });

  it('takes a message with only a content string and nothing else', () => {
    expect(unwrapLlmResponse({ role: 'assistant', content: 'Noted.' })).toEqual({
      text: 'Noted.',
      model: undefined,
      usage: undefined,
      toolCalls: [],
    });
  });

  it('names the shapes it knows when the response has none of them', () => {
    for (const bad of [{ choices: [] }, { answer: 'x' }, { content: 42 }])
      expect(() => unwrapLlmResponse(bad)).toThrow(
        /^trackLlmCall: expected a string, an OpenAI chat completion .*Responses API.*Anthropic.*LangChain/,
      );
  });
});
