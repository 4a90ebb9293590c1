/** The directory (Active Directory / LDAP) as the PKI sees it. Port + token; the LDAP adapter implements it. */
export interface DirectoryAccountState {
  exists: boolean;
  disabled: boolean;
}

export interface Directory {
  /** false when no directory is configured (directory-bound certificates are then unavailable). */
  readonly configured: boolean;
  /** State of each named account (keys as given, compared case-insensitively). Throws DirectoryUnavailableError. */
  lookup(accounts: string[]): Promise<Map<string, DirectoryAccountState>>;
}

export const DIRECTORY = Symbol('Directory');

export class DirectoryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryUnavailableError';
  }
}
