import Foundation
import HPOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The environment and the parameters file a command trial runs with.
package enum TrialEnvironment {
    /// The child's environment: the worker's own, then defaults that make trials behave well
    /// (`PYTHONUNBUFFERED=1` so Python streams its lines, `OPENBLAS_NUM_THREADS=1` unless set),
    /// then the study's `env`, then the `HPO_…` variables, which always win.
    package static func variables(
        base: [String: String],
        spec: TrialSpec,
        trial: TrialID,
        attempt: Attempt,
        parameters: Parameters,
        paramsFile: String
    ) -> [String: String] {
        var environment = base
        environment["PYTHONUNBUFFERED"] = "1"
        if environment["OPENBLAS_NUM_THREADS"] == nil { environment["OPENBLAS_NUM_THREADS"] = "1" }
        environment.merge(spec.environment) { _, study in study }
        environment["HPO_TRIAL_ID"] = String(trial.rawValue)
        environment["HPO_ATTEMPT"] = String(attempt)
        environment["HPO_PARAMS_FILE"] = paramsFile
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            environment[variableName(forParameter: name)] = value.description
        }
        return environment
    }

    /// The checkpoint variables (docs/trials.md, "Checkpoints"): set for every attempt that has a
    /// checkpoint folder, and the resume pair for one that continues from a checkpoint. A study's
    /// `env` cannot set or clear them.
    package static func addCheckpointVariables(
        to environment: inout [String: String], checkpointDirectory: String?, resume: (directory: String, step: Int)?
    ) {
        for name in ["HPO_CHECKPOINT_DIR", "HPO_RESUME_DIR", "HPO_RESUME_STEP"] { environment[name] = nil }
        if let checkpointDirectory { environment["HPO_CHECKPOINT_DIR"] = checkpointDirectory }
        if let resume {
            environment["HPO_RESUME_DIR"] = resume.directory
            environment["HPO_RESUME_STEP"] = String(resume.step)
        }
    }

    /// `HPO_PARAM_` and the name uppercased, with anything but ASCII letters and digits as `_`:
    /// `learning-rate` → `HPO_PARAM_LEARNING_RATE`.
    package static func variableName(forParameter name: String) -> String {
        var variable = "HPO_PARAM_"
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": variable += String(scalar).uppercased()
            default: variable += "_"
            }
        }
        return variable
    }

    /// The parameters file's content: `{"attempt":1,"params":{"lr":0.01},"trial":3}`.
    package static func paramsJSON(trial: TrialID, attempt: Attempt, parameters: Parameters) throws -> Data {
        struct File: Encodable {
            var trial: TrialID
            var attempt: Attempt
            var params: Parameters
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(File(trial: trial, attempt: attempt, params: parameters))
    }
}

/// The files a command trial's runner puts in its scratch directory, removed again by `remove()`:
/// the parameters file, and the directories it had to create.
///
/// Nothing planted there is followed or overwritten: missing directories are made with mode 0700;
/// the scratch directory itself is opened with `O_NOFOLLOW` (a symbolic link in its place is an
/// error), and the parameters file is created in it with `O_CREAT | O_EXCL | O_NOFOLLOW`, mode
/// 0600 (an existing file or link of that name is an error). The worker makes its scratch root
/// with `PrivateFolder`, so normally nothing can be planted at all; these checks keep it so when
/// a caller hands the runner a shared directory.
struct ScratchFiles {
    let paramsFile: String
    /// Deepest first.
    private var createdDirectories: [String] = []
    /// Whether the parameters file is ours to remove (not something found in its place).
    private var wroteFile = false

    /// Writes the parameters file, creating `directory` (and missing parents) if needed.
    init(directory: String, trial: TrialID, attempt: Attempt, parameters: Parameters) throws(TrialSetupError) {
        let fileName = "params-\(trial.rawValue)-\(attempt).json"
        paramsFile = (directory as NSString).appendingPathComponent(fileName)
        var missing: [String] = []
        var path = (directory as NSString).standardizingPath
        var status = stat()
        // lstat, not access: a dangling symbolic link is not "missing" (mkdir would then fail).
        while !path.isEmpty, path != "/", lstat(path, &status) != 0 {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            if mkdir(directory, 0o700) == 0 {
                createdDirectories.insert(directory, at: 0)
            } else if errno != EEXIST {  // EEXIST: another attempt made it meanwhile, and owns it
                let cause = Errno(errno)
                remove()
                throw TrialSetupError(description: "cannot create the scratch directory '\(directory)': \(cause)")
            }
        }
        guard let data = try? TrialEnvironment.paramsJSON(trial: trial, attempt: attempt, parameters: parameters) else {
            remove()
            throw TrialSetupError(description: "cannot encode the parameters as JSON")
        }
        if let failure = Self.writeFile(data, named: fileName, in: directory) {
            remove()
            throw TrialSetupError(description: failure)
        }
        wroteFile = true
    }

    /// Creates `directory/name` afresh and writes `data` to it; the reason it failed otherwise.
    private static func writeFile(_ data: Data, named name: String, in directory: String) -> String? {
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else {
            let cause = Errno(errno)
            if cause.code == ELOOP || cause.code == ENOTDIR {
                return
                    "the scratch directory '\(directory)' is a symbolic link or not a directory: refusing to follow it"
            }
            return "cannot open the scratch directory '\(directory)': \(cause)"
        }
        defer { close(folder) }
        let path = (directory as NSString).appendingPathComponent(name)
        let fd = openat(folder, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let cause = Errno(errno)
            if cause.code == EEXIST {
                return
                    """
                    cannot write the parameters file '\(path)': something (a file or a symbolic link) is already \
                    there; refusing to overwrite or follow it
                    """
            }
            return "cannot write the parameters file '\(path)': \(cause)"
        }
        defer { close(fd) }
        let failure = data.withUnsafeBytes { buffer -> Errno? in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return Errno(errno)
                }
                offset += written
            }
            return nil
        }
        if let failure {
            unlink(path)
            return "cannot write the parameters file '\(path)': \(failure)"
        }
        return nil
    }

    /// Removes the parameters file and the directories created for it (those left empty).
    func remove() {
        if wroteFile { unlink(paramsFile) }
        for directory in createdDirectories where rmdir(directory) != 0 { break }
    }
}
