// The host's zod schemas for socket options, derived from the engine's one table of options
// (core/engine/option-table.ts): the host refuses, with a readable reason, exactly the values the engine
// would refuse (test/unit/option-table.test.ts holds them to that), before any socket is made.
import { z } from 'zod';
import { OPTIONS, OPTION_NAMES, appliesTo, utf8Length, z85KeyProblem, type OptionKind, type OptionName } from '../engine/option-table.js';

/** A value of `kind` as JSON can carry it (text where the engine also takes a Buffer). */
export function kindSchema(kind: OptionKind): z.ZodType {
  switch (kind.type) {
    case 'int':
      // The engine truncates a fraction first (zeromq.js does), so 1.5 is 1 and passes where 1 does.
      return z
        .number()
        .refine((n) => Math.trunc(n) >= kind.min && Math.trunc(n) <= kind.max, `must be between ${kind.min} and ${kind.max}`);
    case 'bool':
      return z.boolean();
    case 'enum':
      return z.union(kind.values.map((v) => z.literal(v)) as unknown as [z.ZodLiteral, z.ZodLiteral]);
    case 'string':
    case 'bytes': {
      const sized = z
        .string()
        .refine(
          (s) => utf8Length(s) >= kind.minBytes && utf8Length(s) <= kind.maxBytes,
          `must be ${kind.minBytes} to ${kind.maxBytes} bytes`,
        );
      return kind.nullable ? sized.nullable() : sized;
    }
    case 'curveKey':
      return z.string().superRefine((s, ctx) => {
        const problem = z85KeyProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: `must be a 40-character Z85 key: ${problem}` });
      });
    case 'pem':
      return z.string().includes('-----BEGIN ', { message: 'must be PEM text (-----BEGIN ...-----)' }).nullable();
  }
}

/** The schema of one option by name. */
export function optionValueSchema(name: OptionName): z.ZodType {
  return kindSchema(OPTIONS[name].kind);
}

/** The options socket type `type` takes as properties, each with its schema. */
export function optionShape(type: string): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const name of OPTION_NAMES) {
    if ('property' in OPTIONS[name] || !appliesTo(name, type)) continue;
    shape[name] = optionValueSchema(name);
  }
  return shape;
}
