import * as vscode from 'vscode';

const SCHEME = 'cnilens-report';
/** Reports kept for reopening (a closed tab's document can be asked for again, e.g. on reload). */
const KEEP = 50;

const reports = new Map<string, string>();
let counter = 0;

/**
 * Shows a Markdown report as a read-only document: a trace or a list the user reads and closes,
 * without an "unsaved changes" prompt, and which cannot be mistaken for a file to edit.
 */
export async function showReport(title: string, markdown: string): Promise<void> {
  counter += 1;
  // the title is the tab name: keep it a safe file name
  const name = title.replace(/[^A-Za-z0-9._ →-]+/g, '-').slice(0, 80) || 'report';
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${counter}/${name}.md` });
  reports.set(uri.path, markdown);
  while (reports.size > KEEP) reports.delete(reports.keys().next().value as string);
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { preview: true });
}

export function registerReportDocuments(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    provideTextDocumentContent(uri: vscode.Uri): string {
      return reports.get(uri.path) ?? '# This report is no longer kept\n\nRun the command again to make a new one.\n';
    },
  });
}
