/**
 * go-tfe integration tests that fail against the gateway today, each with the reason and the
 * branch that owns the fix. The runner checks this list both ways: a listed test that passes
 * fails the run (shrink the list), an unlisted test that fails fails the run.
 */
export interface ExpectedFailure {
  owner: 'org' | 'workspaces';
  reason: string;
}

/** Empty: every Go test the runner runs passes against the merged gateway. */
export const EXPECTED_FAILURES: Record<string, ExpectedFailure> = {};
