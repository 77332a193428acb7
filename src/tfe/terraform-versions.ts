/**
 * The Terraform releases a workspace's `terraform-version` may name. TFE validates the attribute
 * against the versions installed on the instance and answers 422 for anything else (go-tfe's
 * integration tests create workspaces with 0.10.0, 0.11.0, 0.11.1 and expect "nonexisting" to fail).
 * Each entry is a real release line and its last patch release, from releases.hashicorp.com.
 */
const RELEASE_LINES: ReadonlyArray<readonly [minor: string, lastPatch: number]> = [
  ['0.6', 16], ['0.7', 13], ['0.8', 8], ['0.9', 11], ['0.10', 8], ['0.11', 15], ['0.12', 31],
  ['0.13', 7], ['0.14', 11], ['0.15', 5], ['1.0', 11], ['1.1', 9], ['1.2', 9], ['1.3', 10],
  ['1.4', 7], ['1.5', 7], ['1.6', 6], ['1.7', 5], ['1.8', 5], ['1.9', 8], ['1.10', 5],
  ['1.11', 4], ['1.12', 2],
];

export const TERRAFORM_VERSIONS: ReadonlySet<string> = new Set(
  RELEASE_LINES.flatMap(([minor, last]) => Array.from({ length: last + 1 }, (_, patch) => `${minor}.${patch}`)),
);

/** What TFE picks when a workspace is created without a version: the newest release. */
export const LATEST_TERRAFORM_VERSION = `${RELEASE_LINES.at(-1)![0]}.${RELEASE_LINES.at(-1)![1]}`;

/** TFE also takes `latest` (the workspace then follows new releases) and keeps it as written. */
export function isKnownTerraformVersion(v: string): boolean {
  return v === 'latest' || TERRAFORM_VERSIONS.has(v);
}
