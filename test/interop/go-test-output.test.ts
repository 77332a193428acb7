/**
 * The runner's reading of `go test -test.v` output decides which go-tfe tests CI shows as
 * passing, so it must never turn a panic, a timeout or a missing `--- ` line into a pass.
 * The samples are the exact shapes Go 1.19's testing package prints.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseGoTestOutput } from '../support/go-test-output.ts';

const byName = (text: string) => new Map(parseGoTestOutput(text).results.map((r) => [r.name, r]));

it('reads passes, failures and skips of tests and subtests, with the assertion output under each', () => {
  const r = byName(`=== RUN   TestTeamsRead
=== RUN   TestTeamsRead/when_the_team_exists
=== RUN   TestTeamsRead/when_the_team_exists/visibility_is_returned
    team_test.go:125:
        	Error Trace:	team_test.go:125
        	Error:      	Not equal:
        	            	expected: "secret"
        	            	actual  : "organization"
=== RUN   TestTeamsRead/when_the_team_does_not_exist
=== RUN   TestTeamsRead/paging
    team_test.go:30: paging not supported yet in API
--- FAIL: TestTeamsRead (0.05s)
    --- FAIL: TestTeamsRead/when_the_team_exists (0.01s)
        --- FAIL: TestTeamsRead/when_the_team_exists/visibility_is_returned (0.00s)
    --- PASS: TestTeamsRead/when_the_team_does_not_exist (0.00s)
    --- SKIP: TestTeamsRead/paging (0.00s)
FAIL
`);
  assert.equal(r.get('TestTeamsRead')?.outcome, 'fail');
  assert.equal(r.get('TestTeamsRead/when_the_team_exists/visibility_is_returned')?.outcome, 'fail');
  assert.match(r.get('TestTeamsRead/when_the_team_exists/visibility_is_returned')!.output.join('\n'), /expected: "secret"/);
  assert.equal(r.get('TestTeamsRead/when_the_team_does_not_exist')?.outcome, 'pass');
  assert.equal(r.get('TestTeamsRead/paging')?.outcome, 'skip');
  assert.equal(r.get('TestTeamsRead/paging')!.incomplete, undefined);
});

it('a test that started but never printed its result (killed, or the binary died) is a failure', () => {
  const r = byName(`=== RUN   TestRunsApply
=== RUN   TestRunsApply/with_a_planned_run
`);
  assert.equal(r.get('TestRunsApply')?.outcome, 'fail');
  assert.equal(r.get('TestRunsApply')?.incomplete, 'started but never finished');
  assert.equal(r.get('TestRunsApply/with_a_planned_run')?.outcome, 'fail');
});

it('a panic after the --- FAIL lines is handed to the failed test, so the report shows the stack', () => {
  const { results, tail } = parseGoTestOutput(`=== RUN   TestTeamAccessesAdd
=== RUN   TestTeamAccessesAdd/with_valid_options
    team_access_test.go:94:
        	Error:      	Received unexpected error:
        	            	resource not found
--- FAIL: TestTeamAccessesAdd (0.02s)
    --- FAIL: TestTeamAccessesAdd/with_valid_options (0.00s)
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
	panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x8d5a2a]
FAIL	github.com/hashicorp/go-tfe	0.031s
`);
  const top = results.find((r) => r.name === 'TestTeamAccessesAdd')!;
  assert.equal(top.outcome, 'fail');
  assert.ok(top.output.some((l) => /^panic: runtime error/.test(l)));
  assert.ok(tail.some((l) => /^FAIL\s+github.com\/hashicorp\/go-tfe/.test(l)));
});

it('a -test.timeout panic fails the unfinished test even though no --- line was printed', () => {
  const r = byName(`=== RUN   TestRunsRead
panic: test timed out after 43s

goroutine 7 [running]:
`);
  assert.equal(r.get('TestRunsRead')?.outcome, 'fail');
  assert.ok(r.get('TestRunsRead')!.output.some((l) => l.startsWith('panic: test timed out')));
});

it('a PASS line for one test does not mark another test passed', () => {
  const r = byName(`=== RUN   TestA
--- PASS: TestAB (0.00s)
`);
  assert.equal(r.get('TestA')?.outcome, 'fail');
});
