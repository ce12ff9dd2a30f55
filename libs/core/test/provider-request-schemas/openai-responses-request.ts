import { z } from 'zod';

/**
 * The part of an OpenAI Responses request body (`POST /v1/responses`) a context fills,
 * transcribed from OpenAI's API reference "Responses — Create a model response"
 * (platform.openai.com/docs/api-reference/responses/create: `instructions`, `input` as a list of
 * items: an input message `{ type?: "message", role, content }` whose content parts are
 * `input_text` — an assistant message's are `output_text` (the API answers "Supported values
 * are: 'output_text' and 'refusal'" to anything else) —, a function tool call
 * `{ type: "function_call", call_id, name, arguments, id?, status? }` and a function tool call
 * output `{ type: "function_call_output", call_id, output, id?, status? }`). The function
 * calling guide (platform.openai.com/docs/guides/function-calling) answers each call with an
 * output of the same `call_id`; the API refuses an output with no call before it.
 * Strict objects: a field the docs do not list is an error here.
 */
const InputText = z.strictObject({ type: z.literal('input_text'), text: z.string() });
const OutputText = z.strictObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).optional(),
});

const UserMessage = z.strictObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'system', 'developer']),
  content: z.union([z.string(), z.array(InputText).min(1)]),
});
const AssistantMessage = z.strictObject({
  type: z.literal('message').optional(),
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(OutputText).min(1)]),
});
const FunctionCall = z.strictObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
});
const FunctionCallOutput = z.strictObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: z.string(),
  id: z.string().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).optional(),
});

const Item = z.union([UserMessage, AssistantMessage, FunctionCall, FunctionCallOutput]);

export const OpenAiResponsesRequest = z
  .strictObject({
    instructions: z.string().optional(),
    input: z.union([z.string(), z.array(Item).min(1)]),
  })
  .superRefine((body, ctx) => {
    if (typeof body.input === 'string') return;
    const calls = new Set<string>();
    const answered = new Set<string>();
    body.input.forEach((item, i) => {
      if ('type' in item && item.type === 'function_call') calls.add(item.call_id);
      if ('type' in item && item.type === 'function_call_output') {
        if (!calls.has(item.call_id))
          ctx.addIssue({
            code: 'custom',
            message: `input[${i}]: output for no earlier call ${item.call_id}`,
          });
        answered.add(item.call_id);
      }
    });
    for (const id of calls)
      if (!answered.has(id))
        ctx.addIssue({ code: 'custom', message: `function_call ${id} has no output` });
  });
