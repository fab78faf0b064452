// Message templates the user saved in the composer, kept by the host in a JSON file of the settings
// directory, so they outlive the page: `zmtp serve` gets a new port (a new browser origin, with empty
// browser storage) every run unless --port is fixed. Written atomically (temp file, then rename).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { HostError } from './errors.js';
import { messageTemplate, type MessageTemplate } from './protocol.js';
import { formatIssues } from './validate.js';

const FILE_NAME = 'templates.json';
const fileSchema = z.strictObject({
  format: z.literal('zmq-inspector-templates'),
  version: z.literal(1),
  templates: z.array(messageTemplate),
});

/** Where settings live when the caller gives no directory: $XDG_CONFIG_HOME or ~/.config, then zmq-inspector. */
export function defaultSettingsDir(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'zmq-inspector');
}

export class TemplateStore {
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, FILE_NAME);
  }

  list(): MessageTemplate[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new HostError(`cannot read the templates file ${this.file}: ${(err as Error).message}`, 'EIO');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new HostError(
        `the templates file ${this.file} is not JSON (${(err as Error).message}); saving templates will replace it`,
        'EINVAL',
      );
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success)
      throw new HostError(
        `the templates file ${this.file} is not a templates file: ${formatIssues(parsed.error)}; saving templates will replace it`,
        'EINVAL',
      );
    return parsed.data.templates;
  }

  save(templates: MessageTemplate[]): { path: string } {
    const names = new Set<string>();
    for (const t of templates) {
      if (names.has(t.name)) throw new HostError(`two templates are named '${t.name}'`, 'EINVAL');
      names.add(t.name);
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(temp, `${JSON.stringify({ format: 'zmq-inspector-templates', version: 1, templates }, null, 2)}\n`);
      renameSync(temp, this.file);
    } catch (err) {
      throw new HostError(`cannot save templates to ${this.file}: ${(err as Error).message}`, 'EIO');
    }
    return { path: this.file };
  }
}
