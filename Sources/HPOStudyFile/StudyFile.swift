import Foundation
import HPOCore
import Yams

/// Reads a study file (YAML, or JSON, which is YAML too) into a validated `StudyConfig`.
///
/// Every problem is a `StudyFileError` naming the file, the line and the field; unknown keys are
/// errors. The format is described in `docs/study-file.md`.
package enum StudyFile {
    /// Reads and parses the study file at `path`; an unreadable file is a `StudyFileError` too.
    ///
    /// - Parameter builtins: the built-in trial functions by name, with the number of parameters
    ///   each takes (`nil`: any number from 1).
    package static func load(
        path: String, builtins: [String: Int?], namedBuiltins: [String: [String]] = [:]
    ) throws -> StudyConfig {
        try parse(readText(path: path), file: path, builtins: builtins, namedBuiltins: namedBuiltins)
    }

    /// Parses the text of a study file; `file` is only used to name it in errors.
    ///
    /// - Parameter builtins: the built-in trial functions by name, with the number of parameters
    ///   each takes (`nil`: any number from 1).
    /// - Parameter namedBuiltins: built-in trainers by name, with the hyperparameters they take
    ///   (the space may tune any subset of them, of any type).
    package static func parse(
        _ text: String, file: String, builtins: [String: Int?], namedBuiltins: [String: [String]] = [:]
    ) throws -> StudyConfig {
        let root = try YAMLDocument.root(of: text, file: file)
        guard case .mapping = root.node else {
            throw root.error(
                "expected a mapping of \(topLevelKeys.joined(separator: ", ")) at the top level, found \(root.found)")
        }
        let top = try root.mapping()
        try top.checkKeys(allowed: topLevelKeys)

        let name = try top.required("name").nonEmptyString()
        let objective = try readObjective(top.required("objective"))
        let budget = try readBudget(top.required("budget"))
        let strategy = try top.optional("strategy").map(readStrategy) ?? StrategyConfig(kind: .random)
        let seed = try top.optional("seed").map(readSeed) ?? 0
        let spaceField = try top.required("space")
        var space = try readSpace(spaceField)
        space.forbidden = try top.optional("forbid").map { try readForbidden($0, space: space) } ?? []
        let trial = try readTrial(
            top.required("trial"), space: space, spaceField: spaceField, builtins: builtins,
            namedBuiltins: namedBuiltins)
        let pruner = try top.optional("pruner").map(readPruner)
        // Configurations to run first: checked here, read by `EnqueueFile.fromStudyFile`.
        if let enqueue = top.optional("enqueue") { try EnqueueFile.validate(enqueue, space: space) }
        var config = StudyConfig(
            name: name, objective: objective, budget: budget, strategy: strategy, seed: seed, space: space,
            trial: trial,
            pruner: pruner)
        config.warmStart = try top.optional("warm_start").map { try readWarmStart($0, file: file, strategy: strategy) }
        return config
    }

    static let topLevelKeys = [
        "name", "objective", "budget", "strategy", "seed", "space", "trial", "pruner", "forbid",
        "warm_start", "enqueue"
    ]

    private static func readText(path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StudyFileError(file: path, field: "", message: "cannot read the study file: no such file")
        }
        guard !isDirectory.boolValue else {
            throw StudyFileError(file: path, field: "", message: "cannot read the study file: it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StudyFileError(
                file: path, field: "", message: "cannot read the study file: permission denied or I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StudyFileError(file: path, field: "", message: "cannot read the study file: it is not UTF-8 text")
        }
        return text
    }
}
