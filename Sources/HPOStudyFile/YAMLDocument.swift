import Yams

/// Parsing the text of a study file into its root node, with YAML errors as `StudyFileError`s.
enum YAMLDocument {
    static func root(of text: String, file: String) throws -> YAMLField {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw studyFileError(from: error, text: text, file: file)
        } catch {
            throw StudyFileError(file: file, field: "", message: "not valid YAML: \(error)")
        }
        guard let node else {
            throw StudyFileError(file: file, line: 1, column: 1, field: "", message: "the study file is empty")
        }
        return YAMLField(node: node, path: "", file: file)
    }

    /// The YAML problem with its line and column, in the study file's error format.
    static func studyFileError(from error: YamlError, text: String, file: String) -> StudyFileError {
        func syntax(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> StudyFileError {
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return StudyFileError(file: file, line: mark.line, column: mark.column, field: "", message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return syntax(problem, mark, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return StudyFileError(
                file: file, line: context.mark.line, column: context.mark.column, field: "",
                message: "duplicate key \(keys): a key may appear only once in a mapping")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in text.prefix(offset).filter { $0 == "\n" }.count + 1 }
            return StudyFileError(file: file, line: line, field: "", message: "cannot read the text: \(problem)")
        default:
            return StudyFileError(file: file, field: "", message: "not valid YAML: \(error)")
        }
    }
}
