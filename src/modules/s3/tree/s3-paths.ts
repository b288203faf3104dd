/** Paths below the mount's prefix: '' is the root, `a/b` a name below it, never with a leading or trailing slash. */

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** A path's directory and last name; the root's entries have the directory ''. */
export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { dir: '', name: path } : { dir: path.slice(0, slash), name: path.slice(slash + 1) };
}

/** The name of `path` if it is directly inside directory `dir`. */
export function childName(dir: string, path: string): string | undefined {
  const base = dir === '' ? '' : `${dir}/`;
  if (!path.startsWith(base)) return undefined;
  const rest = path.slice(base.length);
  return rest !== '' && !rest.includes('/') ? rest : undefined;
}
