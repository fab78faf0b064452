// Tests compare problems by code (capture/diagnostics.ts), never by their English: a problem is
// expected as its code and the values its text is made from, so rewording the table breaks no test.
import { DIAGNOSTICS, diagnose, type DiagnosticArgs, type DiagnosticCode, type Diagnostic } from '../../core/capture/diagnostics.js';

/** What a problem record or warning is expected to be: its code, severity and the text the table makes from `args`. */
export function problem<C extends DiagnosticCode>(code: C, ...args: DiagnosticArgs<C>): Diagnostic {
  return diagnose(code, ...args);
}

/** The code, severity and text of problem records or warnings, for deepEqual against problem(...). */
export function problemsOf(items: readonly { message: string; code?: string; severity?: string }[]): Diagnostic[] {
  return items.map(({ code, severity, message }) => ({ code, severity, message }) as Diagnostic);
}

/** Just the codes. */
export function codesOf(items: readonly { code?: string }[]): (string | undefined)[] {
  return items.map((i) => i.code);
}

/** README's table of problem codes, as made from the declarations (test/unit/inspect/diagnostics.test.ts checks README has exactly this). */
export function problemCodesMarkdown(): string {
  const rows = Object.entries(DIAGNOSTICS).map(([code, d]) => `| \`${code}\` | ${d.severity} | ${d.doc.replace(/\|/g, '\\|')} |`);
  return ['| code | severity | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
