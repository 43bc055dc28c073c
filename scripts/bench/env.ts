/** Settings a bench child process is given by the bench: missing ones stop it at once. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
