import { CliError } from './cli-error.js';
import { CONNECTION_OPTIONS, JSON_OPTION, OUTPUT_OPTION } from './client-options.js';
import { defineCommand } from './command-spec.js';
import { download, suggestedName } from './download.js';
import { call, callJson, resolveEndpoint, type Endpoint } from './endpoint-client.js';
import { formatObject } from './human-format.js';
import { printJson } from './output.js';
import { formatBytes } from './progress-bar.js';
import { describeTrigger, type DumpJobView } from './scheduled-job.js';

const ACTIONS = ['list', 'get', 'delete', 'download'] as const;
type Action = (typeof ACTIONS)[number];

export const dumpsCommand = defineCommand({
  name: 'dumps',
  summary: 'Scheduled dumps: list them, show one, delete (or cancel) one, download one.',
  arguments: '[list | get ID | delete ID | download ID]',
  positionals: { min: 0, max: 2 },
  description: [
    'dumps (or dumps list) lists the jobs; dumps get ID shows one; dumps delete ID cancels a pending or running job or deletes a finished one\'s file; dumps download ID [-o FILE] saves a ready one.',
  ],
  options: { ...CONNECTION_OPTIONS, ...OUTPUT_OPTION, ...JSON_OPTION },
  examples: ['maintenance-endpoint dumps --url http://127.0.0.1:9464/ops', 'maintenance-endpoint dumps download EaztwLis4QgJadwUC_dRSw -o app.heapsnapshot'],
  async run({ values, positionals }) {
    const [actionText = 'list', id] = positionals;
    if (!(ACTIONS as readonly string[]).includes(actionText)) throw new CliError(`dumps: unknown action "${actionText}"; use list, get ID, delete ID or download ID.`, 2);
    const action = actionText as Action;
    if (action === 'list' && id !== undefined) throw new CliError('dumps list takes no ID; dumps get ID shows one.', 2);
    if (action !== 'list' && id === undefined) throw new CliError(`dumps ${action} needs the job's ID (dumps list shows them).`, 2);
    if (values.output !== undefined && action !== 'download') throw new CliError('--output applies to dumps download only.', 2);
    const endpoint = resolveEndpoint(values);
    const json = values.json === true;
    switch (action) {
      case 'list': {
        const { body, text } = await callJson<{ dumps: DumpJobView[] }>(endpoint, '/dumps');
        printJson(json ? text : listText(body.dumps));
        return 0;
      }
      case 'get': {
        const { text, body } = await callJson<DumpJobView>(endpoint, `/dumps/${encodeURIComponent(id!)}`);
        printJson(json ? text : formatObject(body));
        return 0;
      }
      case 'delete':
        await deleteDump(endpoint, id!);
        printJson(json ? JSON.stringify({ id, deleted: true }) : `Deleted ${id}.`);
        return 0;
      case 'download': {
        const response = await call(endpoint, `/dumps/${encodeURIComponent(id!)}/file`);
        const downloaded = await download(response, values.output ?? suggestedName(response) ?? `${id}.dump`, `dump ${id}`);
        printJson(json ? JSON.stringify(downloaded) : downloaded.file);
        return 0;
      }
    }
  },
});

async function deleteDump(endpoint: Endpoint, id: string): Promise<void> {
  const response = await call(endpoint, `/dumps/${encodeURIComponent(id)}`, { method: 'DELETE' });
  response.resume();
}

function listText(dumps: DumpJobView[]): string {
  if (dumps.length === 0) return 'No scheduled dumps.';
  const rows = dumps.map((job) => [job.id, job.kind, job.status, job.size == null ? '' : formatBytes(job.size), job.error ?? job.fileName ?? describeTrigger(job.trigger)]);
  const header = ['ID', 'KIND', 'STATUS', 'SIZE', 'FILE, TRIGGER OR ERROR'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}
