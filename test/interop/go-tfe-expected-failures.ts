/**
 * go-tfe integration tests that fail against the gateway today, each with the reason and the
 * branch that owns the fix. The runner checks this list both ways: a listed test that passes
 * fails the run (shrink the list), an unlisted test that fails fails the run.
 */
export interface ExpectedFailure {
  owner: 'org' | 'workspaces';
  reason: string;
}

/**
 * go-tfe 0.11.1's state-version tests upload one state file as serial 0, 1 and 2 and under two
 * lineages; TFE's API documents that the serial "must match the serial value extracted from the
 * raw state file" and DESIGN has the gateway check serial and lineage, so the uploads whose serial
 * differs from the file's (0) are refused with 422 by design.
 */
const SERIAL_CHECKED = 'by design: the gateway checks serial and lineage against the state file as TFE documents; go-tfe 0.11.1 uploads one file as serial 0, 1 and 2';

export const EXPECTED_FAILURES: Record<string, ExpectedFailure> = {
  TestCostEstimatesRead: { owner: 'workspaces', reason: 'runs have no cost-estimate resource (relationships.cost-estimate.data is null; no GET /cost-estimates/:id)' },
  TestStateVersionsList: { owner: 'workspaces', reason: SERIAL_CHECKED },
  TestStateVersionsCreate: { owner: 'workspaces', reason: SERIAL_CHECKED },
};
