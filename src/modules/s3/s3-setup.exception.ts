/** The bucket cannot be used as configured: the message names the bucket or endpoint and the fix. */
export class S3SetupException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3SetupException';
  }
}
