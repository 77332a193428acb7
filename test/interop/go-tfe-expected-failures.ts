/**
 * go-tfe integration tests that fail against the gateway today, each with the reason and the
 * branch that owns the fix. The runner checks this list both ways: a listed test that passes
 * fails the run (shrink the list), an unlisted test that fails fails the run.
 */
export interface ExpectedFailure {
  /** The branch that owns the fix ('store': the SQLite store, src/store/sqlite/). */
  owner: 'org' | 'workspaces' | 'resources' | 'store';
  reason: string;
  /** Only with these stores ('directory': SQLite in a --data directory); both when absent. */
  stores?: ('directory' | 'memory')[];
}

/**
 * Every other Go test the runner selects passes on both stores. TestUsersUpdate fails by design:
 * samlgate refuses username and email changes of SAML users (docs/api.md, "Invitations and who
 * owns a username"), and it is the one test that expects them to apply.
 */
export const EXPECTED_FAILURES: Record<string, ExpectedFailure> = {
  TestUsersUpdate: {
    owner: 'org',
    reason:
      'deliberate, no fix planned: PATCH account/update answers 422 to a new username or email of a SAML user (the IdP sets both at each login; a username taken through the API is squatted from its rightful owner), and the subtests "with a new username" and "with a new email address" expect the change to apply',
  },
};
