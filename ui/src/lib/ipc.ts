// The one place the window imports IPC types from. Every type here is generated from Rust by ts-rs
// (ui/src/lib/generated); this file only re-exports them so screens never redefine a contract type.
export type { AboutInfo } from './generated/AboutInfo';
export type { AccountSummary } from './generated/AccountSummary';
export type { AppError } from './generated/AppError';
export type { DeviceCodeInfo } from './generated/DeviceCodeInfo';
export type { KeychainStatus } from './generated/KeychainStatus';
export type { SavedToken } from './generated/SavedToken';
export type { SignInWaiting } from './generated/SignInWaiting';
export type { BulkItem } from './generated/BulkItem';
export type { BulkProgress } from './generated/BulkProgress';
export type { BulkSummary } from './generated/BulkSummary';
export type { ChosenReplacement } from './generated/ChosenReplacement';
export type { ClipboardCountdown } from './generated/ClipboardCountdown';
export type { CreatedToken } from './generated/CreatedToken';
export type { ErrorCode } from './generated/ErrorCode';
export type { ExportFormat } from './generated/ExportFormat';
export type { Lifespan } from './generated/Lifespan';
export type { ListFilter } from './generated/ListFilter';
export type { NewTokenRequest } from './generated/NewTokenRequest';
export type { Organization } from './generated/Organization';
export type { PatToken } from './generated/PatToken';
export type { PlannedReplacement } from './generated/PlannedReplacement';
export type { Profile } from './generated/Profile';
export type { ReplacementPlan } from './generated/ReplacementPlan';
export type { RevokeOutcome } from './generated/RevokeOutcome';
export type { RevokeResult } from './generated/RevokeResult';
export type { ScopeCatalogue } from './generated/ScopeCatalogue';
export type { ScopeGroup } from './generated/ScopeGroup';
export type { ScopeLevel } from './generated/ScopeLevel';
export type { ScopePreset } from './generated/ScopePreset';
export type { SessionInfo } from './generated/SessionInfo';
export type { Settings } from './generated/Settings';
export type { SettingsView } from './generated/SettingsView';
export type { SignInScopes } from './generated/SignInScopes';
export type { SettingOverride } from './generated/SettingOverride';
export type { OverriddenSetting } from './generated/OverriddenSetting';
export type { SortBy } from './generated/SortBy';
export type { TokenListing } from './generated/TokenListing';
export type { TokenRef } from './generated/TokenRef';
export type { CopyResult } from './generated/CopyResult';
export type { GitHelperCheck } from './generated/GitHelperCheck';
export type { GitHelperVerdict } from './generated/GitHelperVerdict';
export type { HandOff } from './generated/HandOff';
export type { HandOffRecord } from './generated/HandOffRecord';
export type { NuGetClientKind } from './generated/NuGetClientKind';
export type { NuGetStatus } from './generated/NuGetStatus';
export type { PipStatus } from './generated/PipStatus';
export type { SnippetShell } from './generated/SnippetShell';
export type { Tool } from './generated/Tool';
export type { Theme } from './generated/Theme';
export type { TokenStatus } from './generated/TokenStatus';
export type { UnavailableOrganization } from './generated/UnavailableOrganization';
export type { UpdateTokenRequest } from './generated/UpdateTokenRequest';
export type { UpdatedToken } from './generated/UpdatedToken';
export type { RegenerateRequest } from './generated/RegenerateRequest';
export type { RegeneratedToken } from './generated/RegeneratedToken';
export type { ReplacedCopy } from './generated/ReplacedCopy';
export type { ServerCredentialKind } from './generated/ServerCredentialKind';
export type { ServerSessionInfo } from './generated/ServerSessionInfo';
export type { ServerSignInRequest } from './generated/ServerSignInRequest';
export type { SignInAddress } from './generated/SignInAddress';

import type { AppError } from './generated/AppError';

/** Narrows anything a promise rejected with to the contract's error shape. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** What a screen shows when something failed: the AppError as is, anything else as a generic error. */
export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return value;
  // Not from the shell (a bug, or the window opened outside PAT Desk): keep the detail for developers
  // in the console and give the person a plain sentence.
  console.error('PAT Desk: unexpected error', value);
  return { code: 'internal', message: 'Something went wrong inside PAT Desk. Please try again, or restart the app.' };
}

