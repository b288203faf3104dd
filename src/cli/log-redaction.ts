/** Parts of signed requests and credentials, by what they look like: never written to a log. */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi, '$1<redacted>'],
  [/\b(Credential|Signature)=[^,&\s"']+/g, '$1=<redacted>'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '<access key id>'],
  [/(aws_secret_access_key|secretAccessKey|sessionToken|aws_session_token)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1$2<redacted>'],
];

/** The credentials this process was given, in whatever shape they appear. */
function ownSecrets(env: NodeJS.ProcessEnv): string[] {
  return [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID].filter(
    (value): value is string => value !== undefined && value.length >= 4,
  );
}

/**
 * `text` with signatures, credentials in signed URLs and headers, access key ids and the process's own secret keys
 * replaced by placeholders.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let redacted = text;
  for (const [pattern, replacement] of PATTERNS) redacted = redacted.replace(pattern, replacement);
  for (const secret of ownSecrets(env)) redacted = redacted.split(secret).join('<redacted>');
  return redacted;
}
