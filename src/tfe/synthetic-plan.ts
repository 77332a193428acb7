/**
 * The synthetic plan's input: the `resource` blocks of the uploaded configuration. A
 * configuration version's slug is a gzipped tar (go-slug); we read its `.tf` files and count
 * `resource "TYPE" "NAME" {` blocks, which is cheap and good enough for a consistent fake plan
 * ("1 to add" for go-tfe's fixture with one null_resource). Nothing is evaluated: modules, count
 * and for_each are not expanded. A slug that is not a gzipped tar, or breaks one of the unpack
 * limits (slug.ts), is refused with a SlugError that names the problem.
 */
import { resourceAddressesOfHcl } from './hcl-resources.ts';
import { formatMiB, gunzipSlug, isRegularFile, MAX_TF_FILE_BYTES, SlugError, tarEntries } from './slug.ts';

export { SlugError } from './slug.ts';

export interface SyntheticChangeSet {
  additions: number;
  destructions: number;
  addresses: string[];
}

/** Resource addresses declared in the slug's .tf files, in archive order. */
export async function resourceAddressesOfSlug(slug: Buffer): Promise<string[]> {
  const tar = await gunzipSlug(slug);
  const addresses: string[] = [];
  for (const entry of tarEntries(tar)) {
    if (!isRegularFile(entry) || !entry.name.endsWith('.tf')) continue;
    // Other files (a lambda zip, a JSON fixture) are never read, so only the unpack cap bounds them.
    if (entry.data.length > MAX_TF_FILE_BYTES) {
      throw new SlugError(`${entry.name} is ${entry.data.length} bytes; each .tf file in an upload may be at most ${formatMiB(MAX_TF_FILE_BYTES)} (${MAX_TF_FILE_BYTES} bytes, samlgate's cap on a configuration file)`);
    }
    for (const address of resourceAddressesOfHcl(entry.data.toString('utf8'))) addresses.push(address);
    // One file's scan (linear, at most 1 MiB) at a time: the IdP and other requests run in between.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return addresses;
}

export function changeSetFor(addresses: string[] | null, isDestroy: boolean): SyntheticChangeSet {
  // A run whose configuration we could not read plans the fixed change set of one resource.
  const list = addresses ?? ['null_resource.samlgate'];
  return isDestroy ? { additions: 0, destructions: list.length, addresses: list } : { additions: list.length, destructions: 0, addresses: list };
}
