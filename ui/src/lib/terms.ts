// Where tokens live, in the words of the session: organizations on Azure DevOps Services, collections on an
// Azure DevOps Server. Screens take these words instead of writing "organization" themselves.
import type { SessionInfo } from '$lib/ipc';

export interface PlaceWords {
  /** "organization" or "collection" */
  one: string;
  /** "organizations" or "collections" */
  many: string;
  /** "Organization" or "Collection" */
  One: string;
  /** "Organizations" or "Collections" */
  Many: string;
}

const services: PlaceWords = { one: 'organization', many: 'organizations', One: 'Organization', Many: 'Organizations' };
const server: PlaceWords = { one: 'collection', many: 'collections', One: 'Collection', Many: 'Collections' };

export function placeWords(session: Pick<SessionInfo, 'server'> | null | undefined): PlaceWords {
  return session?.server ? server : services;
}
