// Reading /proc/<pid>[/task/<tid>]/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.

/** The fields of a stat line from field 3 (state) on: `fields[0]` is field 3, `fields[n]` field n + 3. */
export function statFields(statText: string): string[] {
  return statText.slice(statText.lastIndexOf(')') + 2).split(' ');
}
