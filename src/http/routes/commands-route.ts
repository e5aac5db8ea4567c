import { auditedParameters, checkParameters } from '../../commands/command-runner.js';
import { MaintenanceError } from '../../errors.js';
import { objectField } from '../../params/body-spec.js';
import { documented, textParam } from '../../params/param-spec.js';
import { defineRoute, type ScopeResolver } from './route.js';

/** `GET {base}/commands`: the app's own maintenance actions, with what each takes. */
export const commandsRoute = defineRoute({
  method: 'GET',
  path: '/commands',
  scope: 'read',
  summary: "The app's own maintenance commands: name, description, scope and parameters.",
  handle({ res, context }) {
    res.json({ commands: context.commands.commands });
  },
});

/** A command runs with the scope it declares (`command` unless it says otherwise); an unknown name is 404. */
const scopeOfCommand: ScopeResolver = {
  describe: "the command's own (default command)",
  of: (_req, context, pathParams) => context.commands.commands.find((command) => command.name === pathParams.name)?.scope,
};

/** `POST {base}/commands/{name}`: runs one of the app's commands on its main thread. */
export const runCommandRoute = defineRoute({
  method: 'POST',
  path: '/commands/:name',
  pathParams: { name: documented('the command, as GET /commands lists it', textParam("a command's name")) },
  scope: scopeOfCommand,
  summary: "Run one of the app's commands with JSON parameters; answers its JSON result.",
  body: () => ({ parameters: objectField('the parameters the command declares (GET /commands lists them)') }),
  async handle({ pathParams, res, context, body, audit }) {
    const command = context.commands.commands.find((candidate) => candidate.name === pathParams.name)!;
    const parameters = checkParameters(command, body.parameters ?? {});
    audit.auditParams = { command: command.name, parameters: auditedParameters(command, parameters) };
    const started = performance.now();
    try {
      const result = await context.commands.run(command, parameters);
      audit.auditResult = { outcome: 'ok', durationMs: Math.round(performance.now() - started) };
      res.json({ command: command.name, result });
    } catch (error) {
      audit.auditResult = { outcome: error instanceof MaintenanceError ? error.code : 'failed', durationMs: Math.round(performance.now() - started) };
      throw error;
    }
  },
});
