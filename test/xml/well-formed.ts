/**
 * Strict XML 1.0 well-formedness (saxes, a conformant non-validating parser), for files that real tools
 * parse strictly: colcon and catkin_pkg read package.xml with Python's expat, `ros2 launch` reads launch
 * XML likewise. fast-xml-parser's validator accepted `--` inside a comment, which expat refuses, so
 * `colcon build --base-paths msgs` failed on a package.xml this project's tests had passed.
 */
import { SaxesParser } from 'saxes';

/** The parser's errors for `text` ("line:column: message"); empty when well-formed. */
export function wellFormedErrors(text: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser({ xmlns: false });
  parser.on('error', (err) => errors.push(err.message));
  parser.write(text).close();
  return errors;
}
