/** API group of an imported kind's GVK ("" for the core group). */
export function groupOf(gvk: { readonly apiVersion: string }): string {
  const slash = gvk.apiVersion.indexOf('/');
  return slash < 0 ? '' : gvk.apiVersion.slice(0, slash);
}
