import HPOCore

/// A YAML mapping of the study file: its entries in file order, looked up by key.
struct YAMLMapping {
    struct Entry {
        var key: String
        var value: YAMLField
    }

    /// The mapping itself (for errors about a missing key).
    let field: YAMLField
    let entries: [Entry]

    var keys: [String] { entries.map(\.key) }

    func optional(_ key: String) -> YAMLField? {
        entries.first { $0.key == key }?.value
    }

    /// The value of `key`; when absent, an error at the line of this mapping.
    func required(_ key: String) throws -> YAMLField {
        if let value = optional(key) { return value }
        throw field.missingKey(key)
    }

    /// Rejects any key not in `allowed`, so that a typo never passes silently.
    ///
    /// `context` (e.g. "for a choice parameter") is added to the message; `misplaced` gives a
    /// specific reason for keys that are valid elsewhere (e.g. `steps` on a choice parameter).
    func checkKeys(allowed: [String], context: String? = nil, misplaced: [String: String] = [:]) throws {
        for entry in entries where !allowed.contains(entry.key) {
            let allowedList = allowed.joined(separator: ", ")
            if let reason = misplaced[entry.key] {
                throw entry.value.keyError("\(reason); allowed keys: \(allowedList)")
            }
            var message = "unknown key '\(entry.key)'"
            if let context { message += " \(context)" }
            if let suggestion = Self.closest(to: entry.key, in: allowed) {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw entry.value.keyError("\(message); allowed keys: \(allowedList)")
        }
    }

    /// The allowed key within edit distance 2 of `key`, if there is one.
    static func closest(to key: String, in allowed: [String]) -> String? {
        Spelling.closest(to: key, in: allowed, maxDistance: 2)
    }
}
