/**
 * The trace report in a webview (`dist/reportWebview.js`, strict CSP, a fresh nonce per render):
 * text the webview sets with textContent, and links that only the host resolves. A deciding rule
 * opens its policy's YAML at the rule's line: the snapshot's file when the policy came from one,
 * else the read-only `cnilens-object:` document of the policy (from the API server for a live
 * cluster), with the cursor on the rule.
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import type { PolicyRuleRef } from '../../core/analysis/datapath/datapathTypes';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { ReportCopy, ReportOpenLink, ReportReady, type ReportModel, type ReportShowMessage } from '../../shared/reportProtocol';
import type { ExtensionServices } from '../commands/extensionServices';
import { createNonce } from '../diagram/createNonce';
import { diagramWebviewHtml } from '../diagram/webviewHtml';
import { objectDocumentUri } from '../objectDocuments';
import { runtime } from '../runtime';
import { reportMarkdown } from './reportMarkdown';
import type { RuleLink } from './traceReportModel';

export class TraceReportPanel implements vscode.Disposable {
  static readonly viewType = 'cniLens.traceReport';

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  static show(services: ExtensionServices, session: ClusterSession, report: ReportModel, links: RuleLink[]): TraceReportPanel {
    return new TraceReportPanel(services, session, report, links);
  }

  private constructor(
    private readonly services: ExtensionServices,
    private readonly session: ClusterSession,
    private readonly report: ReportModel,
    private readonly links: RuleLink[],
  ) {
    const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
    const tab = report.title.length > 60 ? `${report.title.slice(0, 59)}…` : report.title;
    this.panel = vscode.window.createWebviewPanel(TraceReportPanel.viewType, tab, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true });
    this.panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'cni-lens.svg');
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'reportWebview.js'));
    webview.html = diagramWebviewHtml({ cspSource: webview.cspSource, nonce: createNonce(), scriptUri: script.toString(), title: 'Trace report' });
    webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m), undefined, this.disposables);
    this.panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (ReportReady.is(m)) {
      const message: ReportShowMessage = { type: 'reportShow', report: this.report };
      void this.panel.webview.postMessage(message);
    } else if (ReportCopy.is(m)) {
      // the same blocks as the panel; a deciding rule links to its manifest line when it came from a file
      const markdown = reportMarkdown(this.report, (i) => {
        const rule = this.links[i]?.rule;
        const file = rule?.line ? ruleFile(this.session, rule) : undefined;
        return file ? `${pathToFileURL(file).href}#L${rule!.line}` : undefined;
      });
      await vscode.env.clipboard.writeText(markdown);
      vscode.window.setStatusBarMessage('CNI Lens: trace copied as Markdown', 4000);
    } else if (ReportOpenLink.is(m)) {
      const link = this.links[m.link];
      if (!link) return;
      try {
        await openRule(this.session, link.rule);
      } catch (err) {
        this.services.log.warn(`cannot open ${link.rule.kind} ${link.rule.name} ${link.rule.rule}: ${(err as Error)?.message ?? String(err)}`);
        void vscode.window.showErrorMessage(`CNI Lens: cannot open ${link.rule.kind} ${link.rule.name}: ${(err as Error)?.message ?? String(err)}`);
      }
    }
    // anything else is not part of the protocol: dropped
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** The file a rule's policy was read from, for a snapshot session. */
function ruleFile(session: ClusterSession, rule: PolicyRuleRef): string | undefined {
  if (!rule.file || session.target.kind !== 'snapshot') return undefined;
  const root = session.target.path;
  return isAbsolute(rule.file) ? rule.file : /\.(ya?ml|json)$/i.test(root) ? root : join(root, rule.file);
}

/** Opens the policy's YAML with the cursor on the rule's line. */
export async function openRule(session: ClusterSession, rule: PolicyRuleRef): Promise<void> {
  const file = ruleFile(session, rule);
  if (file && rule.line) {
    const line = Math.max(0, rule.line - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(line, 0, line, 0) });
    return;
  }
  const key = `${rule.kind}/${rule.namespace ? `${rule.namespace}/` : ''}${rule.name}`;
  const doc = await vscode.workspace.openTextDocument(objectDocumentUri('networkPolicy', key));
  if (doc.languageId !== 'yaml') await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
  const line = Math.max(0, (runtime().ruleLineInText(doc.getText(), rule.rule) ?? 1) - 1);
  const editor = await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(line, 0, line, 0) });
  editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
