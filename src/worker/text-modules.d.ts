/** wrangler imports `*.txt` as a string (its default Text module rule); so does src/cli/workerd.ts. */
declare module "*.txt" {
  const text: string;
  export default text;
}
