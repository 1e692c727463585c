/** The render's "Unknown at a first preview" section (tools/render/unknowns.ts). */
import { PROJECT_ROOT, sharedRun } from "../harness";
import { renderResult } from "../tools/render/index";
import { firstPreviewUnknowns } from "../tools/render/unknowns";
import { generatingPki } from "./helpers/generated-pki";

const APPLY = "talos:machine/configurationApply:ConfigurationApply";

describe("unknowns at a first preview", () => {
  it("lists, on an adopted stack, the admin credentials of the applies but not their machine configs", async () => {
    const first = await sharedRun({ stack: "infra", firstPreview: true });
    const rows = firstPreviewUnknowns(first);
    const applies = rows.filter(([type]) => type === APPLY);
    expect(applies).toEqual([[APPLY, "10.25.11.11, 10.25.11.12, 10.25.11.13", "clientConfiguration"]]);
    const up = await sharedRun({ stack: "infra" });
    const summary = renderResult(up, PROJECT_ROOT, first).summary;
    expect(summary).toContain("## Unknown at a first preview");
    expect(summary).toContain(`| ${APPLY} | 10.25.11.11, 10.25.11.12, 10.25.11.13 | clientConfiguration |`);
    // Without a first-preview run the section is left out.
    expect(renderResult(up, PROJECT_ROOT).summary).not.toContain("## Unknown at a first preview");
  });

  it("lists the machine configs when the stack generates its PKI", async () => {
    const first = await sharedRun({ stack: "infra", firstPreview: true, ...generatingPki("infra") });
    const applies = firstPreviewUnknowns(first).filter(([type]) => type === APPLY);
    expect(applies.map(([, , inputs]) => inputs)).toEqual(["clientConfiguration, machineConfigurationInput"]);
  });
});
