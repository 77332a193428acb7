/**
 * go-tfe integration tests that fail against the gateway today, each with the reason and the
 * branch that owns the fix. The runner checks this list both ways: a listed test that passes
 * fails the run (shrink the list), an unlisted test that fails fails the run.
 */
export interface ExpectedFailure {
  owner: 'org' | 'workspaces';
  reason: string;
}

const all = (owner: ExpectedFailure['owner'], reason: string, names: string[]): Record<string, ExpectedFailure> =>
  Object.fromEntries(names.map((n) => [n, { owner, reason }]));

export const EXPECTED_FAILURES: Record<string, ExpectedFailure> = {
  ...all('workspaces', 'the workspace API is not merged yet: POST /organizations/:org/workspaces and everything under it answer 404', [
    'TestTeamAccessesList',
    'TestTeamAccessesAdd',
    'TestTeamAccessesRead',
    'TestTeamAccessesUpdate',
    'TestTeamAccessesRemove',
    'TestWorkspacesList',
    'TestWorkspacesCreate',
    'TestWorkspacesRead',
    'TestWorkspacesReadByID',
    'TestWorkspacesUpdate',
    'TestWorkspacesUpdateByID',
    'TestWorkspacesDelete',
    'TestWorkspacesDeleteByID',
    'TestWorkspacesLock',
    'TestWorkspacesUnlock',
    'TestWorkspacesForceUnlock',
    'TestConfigurationVersionsList',
    'TestConfigurationVersionsCreate',
    'TestConfigurationVersionsRead',
    'TestConfigurationVersionsUpload',
    'TestRunsList',
    'TestRunsCreate',
    'TestRunsRead',
    'TestRunsApply',
    'TestRunsCancel',
    'TestRunsForceCancel',
    'TestRunsDiscard',
    'TestPlansRead',
    'TestPlansLogs',
    'TestAppliesRead',
    'TestAppliesLogs',
    'TestCostEstimatesRead',
    'TestStateVersionsList',
    'TestStateVersionsCreate',
    'TestStateVersionsRead',
    'TestStateVersionsReadWithOptions',
    'TestStateVersionsCurrent',
    'TestStateVersionsCurrentWithOptions',
    'TestStateVersionsDownload',
    'TestStateVersionOutputsRead',
    'TestVariablesList',
    'TestVariablesCreate',
    'TestVariablesRead',
    'TestVariablesUpdate',
    'TestVariablesDelete',
  ]),
};
