import { z } from 'zod';

/**
 * The part of a Gemini `models.generateContent` request body a context fills, transcribed from
 * Google's Gemini API reference "Generating content" (ai.google.dev/api/generate-content:
 * `contents[]`, `systemInstruction`) and "Caching"/"Content" types (ai.google.dev/api/caching#Content:
 * `Content { role?: "user" | "model", parts[] }`, `Part` — exactly one data field —,
 * `FunctionCall { id?, name, args? }`, `FunctionResponse { id?, name, response }` where
 * `response` is a JSON object: "Use "output" key to specify function output and "error" key to
 * specify error details"). The function-calling guide (ai.google.dev/gemini-api/docs/function-calling)
 * sends the function response back in a `user` turn; the API refuses a function call turn that
 * does not come "immediately after a user turn or after a function response turn".
 * Strict objects: a field the docs do not list is an error here.
 */
const FunctionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);
const Struct = z.record(z.string(), z.unknown());

const Part = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({
    functionCall: z.strictObject({
      id: z.string().optional(),
      name: FunctionName,
      args: Struct.optional(),
    }),
  }),
  z.strictObject({
    functionResponse: z.strictObject({
      id: z.string().optional(),
      name: FunctionName,
      response: Struct,
    }),
  }),
]);

const Content = z.strictObject({
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(Part).min(1),
});

export const GeminiGenerateContentRequest = z
  .strictObject({
    contents: z.array(Content).min(1),
    systemInstruction: Content.optional(),
  })
  .superRefine((body, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    const roleOf = (i: number) => body.contents[i]?.role ?? 'user';
    body.contents.forEach((content, i) => {
      // Multi-turn requests alternate user and model, starting with the user.
      if (roleOf(i) !== (i % 2 === 0 ? 'user' : 'model'))
        issue(`contents[${i}].role: expected alternating user/model starting with user`);
      const calls = content.parts.flatMap((p) =>
        'functionCall' in p ? [p.functionCall.name] : [],
      );
      const responses = content.parts.flatMap((p) =>
        'functionResponse' in p ? [p.functionResponse.name] : [],
      );
      if (calls.length && roleOf(i) !== 'model')
        issue(`contents[${i}]: functionCall outside a model turn`);
      if (responses.length && roleOf(i) !== 'user')
        issue(`contents[${i}]: functionResponse outside a user turn`);
      if (calls.length && (i === 0 || roleOf(i - 1) !== 'user'))
        issue(`contents[${i}]: a function call turn must come right after a user turn`);
      // Each function call is answered by a function response of the same name in the next turn.
      if (calls.length) {
        const next = body.contents[i + 1];
        const answered = (next?.parts ?? []).flatMap((p) =>
          'functionResponse' in p ? [p.functionResponse.name] : [],
        );
        for (const name of calls)
          if (!answered.includes(name)) issue(`contents[${i}]: functionCall ${name} unanswered`);
      }
      if (responses.length) {
        const previous = body.contents[i - 1];
        const asked = (previous?.parts ?? []).flatMap((p) =>
          'functionCall' in p ? [p.functionCall.name] : [],
        );
        for (const name of responses)
          if (!asked.includes(name))
            issue(`contents[${i}]: functionResponse ${name} answers no call`);
      }
    });
  });
