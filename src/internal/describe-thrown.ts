/**
 * Describes anything a `throw` can carry, as "Name: message" for errors, without ever
 * throwing itself: a thrown object whose `String()`, `name` or `message` throws (a
 * null-prototype object, a throwing `toString`, a revoked Proxy) is described by its type.
 */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) {
      const name = String(e.name);
      const message = String(e.message);
      return message ? `${name}: ${message}` : name;
    }
  } catch {
    // An Error subclass with throwing accessors: described below as any other object.
  }
  try {
    return String(e);
  } catch {
    let tag = "object";
    try {
      tag = Object.prototype.toString.call(e).slice(8, -1);
    } catch {
      // A revoked Proxy cannot even be tagged.
    }
    return `a thrown ${tag} that cannot be converted to text`;
  }
}
