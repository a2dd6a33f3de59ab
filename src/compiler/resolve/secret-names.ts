/**
 * A Secret that a policy references becomes a Worker secret (`wrangler secret put NAME`),
 * named `EG_SECRET_<NAMESPACE>_<NAME>`: upper case, every character other than a letter or
 * a digit turned into `_`. Its value is the Secret's `stringData` as JSON, for example
 * `{"client-a":"key-a"}` for API keys or `{".htpasswd":"user:{SHA}…"}` for Basic auth.
 */
export function workerSecretName(namespace: string, name: string): string {
  return `EG_SECRET_${namespace}_${name}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}
