/** Base class of every error that stops the application from booting or mounting. */
export class FuseBootException extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
