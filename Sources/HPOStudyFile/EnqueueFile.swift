import Foundation
import HPOCore
import Yams

/// One configuration to run before the search's own, and where it was written (`file:line`,
/// the origin its `trial_enqueued` line records).
package struct EnqueueEntry: Equatable, Sendable {
    package var parameters: Parameters
    package var origin: String
    package init(parameters: Parameters, origin: String) {
        self.parameters = parameters
        self.origin = origin
    }
}

/// Enqueued configurations from files: the study file's `enqueue:` list and
/// `hpo-coordinator --enqueue FILE` (JSON Lines, one object per line, or a YAML list of
/// mappings). Each entry is checked against the study's space; a bad one is a `StudyFileError`
/// naming the file, line and parameter (docs/study-file.md, "Enqueue").
package enum EnqueueFile {
    /// The study file's `enqueue:` entries (none without the key). `origin`s name the file as
    /// given, with `study file` in front.
    package static func fromStudyFile(path: String, space: SearchSpace) throws -> [EnqueueEntry] {
        let root = try YAMLDocument.root(of: try readText(path: path), file: path)
        guard let field = try root.mapping().optional("enqueue") else { return [] }
        return try entries(of: field, space: space, origin: "study file \(path)")
    }

    /// The entries of an enqueue file: JSON Lines when its first non-blank character is `{`,
    /// else a YAML list of mappings. `origin`s use the file's absolute path, so the same entry
    /// given again on a restart is recognised (and not run twice). Without a `space` (a client
    /// that does not know the study) the values are read but not checked: the coordinator checks.
    package static func load(path: String, space: SearchSpace?) throws -> [EnqueueEntry] {
        let text = try readText(path: path)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if text.first(where: { !$0.isWhitespace }) == "{" {
            return try jsonLines(text, file: path, origin: "--enqueue \(absolute)", space: space)
        }
        let root = try YAMLDocument.root(of: text, file: path)
        return try entries(of: root, space: space, origin: "--enqueue \(absolute)")
    }

    /// Checks the `enqueue:` list of a study file being parsed (errors at load time).
    static func validate(_ field: YAMLField, space: SearchSpace) throws {
        _ = try entries(of: field, space: space, origin: "")
    }

    private static func entries(of field: YAMLField, space: SearchSpace?, origin: String) throws -> [EnqueueEntry] {
        try field.list().map { element in
            let mapping = try element.mapping()
            var parameters = Parameters()
            for entry in mapping.entries {
                guard case .scalar(let scalar) = entry.value.node, !entry.value.isNull else {
                    throw entry.value.expected("a number or a string")
                }
                if let text = entry.value.plainText {
                    if let int = YAMLField.integer(text) {
                        parameters[entry.key] = .int(int)
                        continue
                    }
                    if let double = YAMLField.number(text) {
                        parameters[entry.key] = .double(double)
                        continue
                    }
                }
                parameters[entry.key] = .string(scalar.string)
            }
            switch space?.validated(parameters) ?? .success(parameters) {
            case .success(let valid):
                let line = element.node.mark?.line ?? 0
                return EnqueueEntry(parameters: valid, origin: "\(origin):\(line)")
            case .failure(let problem):
                let at = mapping.optional(problem.parameter) ?? element
                throw at.error(problem.message)
            }
        }
    }

    private static func jsonLines(_ text: String, file: String, origin: String, space: SearchSpace?) throws
        -> [EnqueueEntry]
    {
        var result: [EnqueueEntry] = []
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let parameters: Parameters
            do {
                parameters = try decoder.decode(Parameters.self, from: Data(line.utf8))
            } catch {
                throw StudyFileError(
                    file: file, line: number, field: "",
                    message: "expected a JSON object of parameter values on each line (\(describe(error)))")
            }
            switch space?.validated(parameters) ?? .success(parameters) {
            case .success(let valid): result.append(EnqueueEntry(parameters: valid, origin: "\(origin):\(number)"))
            case .failure(let problem):
                throw StudyFileError(file: file, line: number, field: problem.parameter, message: problem.message)
            }
        }
        return result
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted: return "not valid JSON, or not an object"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not an object" : "\"\(path)\" is not a number or a string"
        default: return "\(error)"
        }
    }

    private static func readText(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StudyFileError(
                file: path, field: "", message: "cannot read the file (missing, a folder, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StudyFileError(file: path, field: "", message: "cannot read the file: it is not UTF-8 text")
        }
        return text
    }
}
