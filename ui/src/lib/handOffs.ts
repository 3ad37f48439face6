// Hand-offs in words, shared by the screens and the TestBackend: the feed's name in a feed URL, and how the
// token list names a place a token was handed to ("Used with: Git, NuGet feed contoso-packages").
import type { HandOff } from '$lib/ipc';

/** The feed's name in an Azure Artifacts feed URL (`…/_packaging/{feed}/nuget/…` or `…/npm/…`), as the core's nuget::feed_name. */
export function feedName(feedUrl: string): string | null {
  const match = /\/_packaging\/([^/@]+)[^/]*\/(nuget|npm|pypi)\//i.exec(feedUrl.trim());
  return /^https?:\/\//i.test(feedUrl.trim()) && match ? match[1] : null;
}

/** How the token list names a hand-off: "Git" or "NuGet feed contoso-packages" (the core's HandOff::label). */
export function handOffLabel(h: HandOff): string {
  if (h.tool === 'git') return 'Git';
  const tool = { nuget: 'NuGet', npm: 'npm', pip: 'pip' }[h.tool];
  return `${tool} feed ${h.name ?? h.target}`;
}

/** "Used with: Git, NuGet feed contoso-packages" for one token, or '' when it was handed nowhere. */
export function usedWith(handOffs: HandOff[], authorizationId: string): string {
  const labels = handOffs.filter((h) => h.authorizationId.toLowerCase() === authorizationId.toLowerCase()).map(handOffLabel);
  return labels.length === 0 ? '' : `Used with: ${labels.join(', ')}`;
}
