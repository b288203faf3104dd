export const ROOT_UNUSABLE_MESSAGE = (root: string, reason: string): string =>
  `Local root ${root} cannot be used: ${reason}. Pass an existing directory.`;

export const ROOT_NOT_DIRECTORY_MESSAGE = (root: string): string => `Local root ${root} is not a directory. Pass an existing directory.`;

export const ROOT_UNREADABLE_MESSAGE = (root: string): string =>
  `Local root ${root} is not readable by this user. Fix its permissions or run as its owner.`;
