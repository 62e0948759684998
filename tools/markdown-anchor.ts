// The anchor GitHub gives a Markdown heading, for links into the generated references and for the
// test that every link between the documents lands.

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}
