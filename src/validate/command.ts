/**
 * The `samlgate validate` command's definition: its options and help. The work is in
 * src/validate/cli.ts, imported when the command runs.
 */
import { Option, type Command } from 'commander';
import type { ValidateCliOptions } from './cli.ts';
import { progressLine } from './progress.ts';

const HELP_AFTER = `
Severities (docs/validate.md has the full table):
  error    TFE refuses the login, or gets the IsServiceAccount flag silently wrong: every
           near-miss of IsServiceAccount (name case, NameFormat uri/unspecified/absent, value 1
           or empty, several values with a false first) is an error
  warning  works, but not as intended (e.g. two IsServiceAccount values with true first)
  info     worth knowing (SA_OK, SA_ABSENT, ...)

  --expect service-account  an absent or unflagging IsServiceAccount is an error (SA_MISSING)
  --expect user             a correctly flagged user is an error (SA_UNEXPECTED); IsServiceAccount
                            near-misses become info
  --fail-on warning         warnings fail too (exit 1, ok: false, JUnit <failure>)

Several files: one report each, in order, exit status the worst; --format json prints a JSON
array of the reports, each with "file" and "exitCode"; --format junit one <testsuite> per file.
Exit status: 0 nothing fails, 1 a finding fails (an error; with --fail-on warning also a
warning), 2 unusable input or options.
`;

export function registerValidateCommand(program: Command): Command {
  return program
    .command('validate')
    .description('check captured SAML responses or IdP metadata documents against what TFE (and the gateway) require; exit 0 clean, 1 errors (or warnings with --fail-on warning), 2 unusable input')
    .argument('<file...>', 'the responses or metadata: XML, base64, URL-encoded POST body, SAML-tracer JSON export or HAR file; - for stdin (once)')
    .option('--idp-metadata <file|url>', 'IdP metadata, to verify signatures and the issuer')
    .option('--idp-cert <file>', 'IdP signing certificate (PEM), to verify signatures')
    .option('--sp-entity-id <id>', 'expected audience (default: the gateway entity ID, http://localhost:8080/users/saml/metadata)')
    .option('--acs-url <url>', 'expected Destination/Recipient (default: the gateway ACS, http://localhost:8080/users/saml/auth)')
    .option('--at <iso-8601>', 'judge the response as of this time (e.g. its IssueInstant, for a capture made earlier)')
    .addOption(new Option('--expect <who>', 'what this capture should show: service-account (unflagged is an error) or user (flagged is an error); default: no stated intent').choices(['service-account', 'user']))
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails (exit 1, ok: false)').choices(['error', 'warning']).default('error'))
    .option('--relax-nameformat', 'also accept IsServiceAccount without a NameFormat, as the gateway option of that name does (default off)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], parsed: ValidateCliOptions & { relaxNameformat?: boolean }) => {
      // commander names --relax-nameformat `relaxNameformat`.
      const { relaxNameformat, ...rest } = parsed;
      const opts: ValidateCliOptions = { ...rest, ...(relaxNameformat ? { relaxNameFormat: true } : {}) };
      const colour = opts.format === 'text' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      const progress = files.length > 1 && process.stderr.isTTY ? progressLine(process.stderr) : undefined;
      // The validator's module graph (xmldom, the XSD worker, the report writers) loads only here,
      // so `samlgate --help` and every other command start without it.
      const { runValidateFiles } = await import('./cli.ts');
      const result = await runValidateFiles(files, opts, {
        colour,
        now: Date.now(),
        ...(progress ? { progress: progress.update } : {}),
        write: (out, err) => {
          progress?.clear();
          if (out) process.stdout.write(out);
          if (err) process.stderr.write(err);
        },
      });
      progress?.clear();
      process.exitCode = result.code;
    });
}
