import Foundation
import HPOWire

/// `hpo-worker --gpus auto|none|LIST`: which GPUs a worker hands out to its trials.
package enum GPUSelection: Hashable, Sendable {
    /// Whatever `nvidia-smi` lists, narrowed to `CUDA_VISIBLE_DEVICES` when that is set.
    case auto
    /// None: trials see no GPU (`CUDA_VISIBLE_DEVICES=""`).
    case none
    /// These devices, by index (`0,1,3`) or UUID (`GPU-…`), in this order.
    case list([String])

    /// Parses the option's value; the error says what was expected.
    package init(parsing text: String) throws(GPUInventoryError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "auto": self = .auto
        case "none": self = .none
        default:
            let entries = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            var ids: [String] = []
            for entry in entries {
                guard Self.isDeviceName(entry) else {
                    throw GPUInventoryError(
                        "--gpus \(text): expected auto, none, or a comma-separated list of GPU indices or UUIDs "
                            + "(0,1,3 or GPU-…), found '\(entry)'")
                }
                guard !ids.contains(entry) else {
                    throw GPUInventoryError("--gpus \(text): device \(entry) is listed twice")
                }
                ids.append(entry)
            }
            guard ids.count <= WireLimits.maxGPUs else {
                throw GPUInventoryError("--gpus: \(ids.count) devices, more than \(WireLimits.maxGPUs)")
            }
            self = .list(ids)
        }
    }

    /// An index (`3`) or a UUID-style name (`GPU-…`, `MIG-…`) within the wire's bounds.
    static func isDeviceName(_ name: String) -> Bool {
        guard (1...WireLimits.maxGPUIDBytes).contains(name.utf8.count) else { return false }
        if name.allSatisfy(isDigit) { return true }
        guard name.hasPrefix("GPU-") || name.hasPrefix("MIG-") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "/", ".", "_": true
            default: false
            }
        }
    }
}

private func isDigit(_ character: Character) -> Bool { character.isASCII && character.isNumber }

/// What went wrong reading the GPUs: a bad `--gpus`, an `nvidia-smi` line that is not
/// `index, uuid, memory`, a listed device `nvidia-smi` does not know.
package struct GPUInventoryError: Error, Hashable, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// The GPUs of this host: `nvidia-smi --query-gpu=index,uuid,memory.total --format=csv,noheader`
/// read and narrowed (docs/operations.md, "GPUs"). Parsing is separate from running the program
/// so that it is tested on real output without a GPU.
package enum GPUInventory {
    /// The arguments `nvidia-smi` is run with.
    package static let queryArguments = ["--query-gpu=index,uuid,memory.total", "--format=csv,noheader"]

    /// Devices from `nvidia-smi`'s output, one line each:
    /// `0, GPU-8d3c5f9a-0f0e-4b5e-9d2c-1a2b3c4d5e6f, 81920 MiB`. Blank lines are skipped; a line
    /// with a memory of `[N/A]` (some MIG or virtual setups) gives a device of unknown memory.
    package static func parse(nvidiaSMIOutput text: String) throws(GPUInventoryError) -> [GPUDevice] {
        var devices: [GPUDevice] = []
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            func bad(_ why: String) -> GPUInventoryError {
                GPUInventoryError("nvidia-smi output line \(number + 1) '\(line.prefix(120))': \(why)")
            }
            guard fields.count == 3 else {
                throw bad("expected 3 fields (index, uuid, memory.total), found \(fields.count)")
            }
            let index = fields[0]
            guard !index.isEmpty, index.count <= 6, index.allSatisfy(isDigit) else {
                throw bad("index '\(index)' is not a number")
            }
            let uuid = fields[1]
            guard uuid.hasPrefix("GPU-"), uuid.utf8.count <= WireLimits.maxGPUUUIDBytes else {
                throw bad("uuid '\(uuid.prefix(80))' does not start with GPU-")
            }
            let memory = try memoryMiB(fields[2], bad: bad)
            guard !devices.contains(where: { $0.id == index }) else { throw bad("index \(index) is listed twice") }
            devices.append(GPUDevice(id: index, uuid: uuid, memoryMiB: memory))
        }
        guard devices.count <= WireLimits.maxGPUs else {
            throw GPUInventoryError("nvidia-smi lists \(devices.count) GPUs, more than \(WireLimits.maxGPUs)")
        }
        return devices
    }

    /// `81920 MiB` → 81920; `[N/A]` → nil.
    private static func memoryMiB(_ text: String, bad: (String) -> GPUInventoryError) throws(GPUInventoryError) -> Int?
    {
        if text == "[N/A]" || text == "N/A" || text == "[Not Supported]" { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[1] == "MiB", let value = Int(parts[0]),
            (0...WireLimits.maxGPUMemoryMiB).contains(value)
        else { throw bad("memory.total '\(text)' is not 'N MiB'") }
        return value
    }

    /// The devices `CUDA_VISIBLE_DEVICES` leaves visible, in its order. Its entries are indices
    /// or UUIDs (a unique prefix is enough, as for CUDA); CUDA stops at the first entry that
    /// names no device, and so does this. An empty value hides every device.
    package static func narrowed(_ devices: [GPUDevice], cudaVisibleDevices: String) -> [GPUDevice] {
        var visible: [GPUDevice] = []
        for entry in cudaVisibleDevices.split(separator: ",", omittingEmptySubsequences: false) {
            let name = entry.trimmingCharacters(in: .whitespaces)
            let matches = devices.filter { device in
                device.id == name || (name.hasPrefix("GPU-") && (device.uuid?.hasPrefix(name) ?? false))
            }
            guard matches.count == 1, let device = matches.first else { break }
            if !visible.contains(device) { visible.append(device) }
        }
        return visible
    }

    /// What `select` found, and a sentence for the worker's log.
    package struct Discovery: Hashable, Sendable {
        /// nil: the worker does not manage GPUs (`auto` found none); trials keep the environment
        /// they inherit. Empty: `--gpus none`, trials get `CUDA_VISIBLE_DEVICES=""`.
        package var devices: [GPUDevice]?
        package var note: String
    }

    /// The GPUs to hand out. `runNvidiaSMI` returns the program's output, or why there is none.
    /// `auto` with nvidia-smi missing, failing or printing what `parse` cannot read finds no GPUs
    /// (the note says why). Throws only for a `--gpus` list that `nvidia-smi` contradicts (a
    /// device it does not list).
    package static func select(
        _ selection: GPUSelection, environment: [String: String],
        runNvidiaSMI: () -> Result<String, GPUInventoryError>
    ) throws(GPUInventoryError) -> Discovery {
        switch selection {
        case .none:
            return Discovery(devices: [], note: "--gpus none: trials see no GPU (CUDA_VISIBLE_DEVICES=\"\")")
        case .auto:
            let listed: [GPUDevice]
            do {
                listed = try parse(nvidiaSMIOutput: runNvidiaSMI().get())
            } catch {
                // Missing, failing or unreadable: no GPUs, and the log says why.
                return Discovery(devices: nil, note: "no GPUs: \(error.description)")
            }
            var devices = listed
            var origin = "nvidia-smi lists \(listed.count)"
            if let visible = environment["CUDA_VISIBLE_DEVICES"] {
                devices = narrowed(listed, cudaVisibleDevices: visible)
                origin += ", CUDA_VISIBLE_DEVICES=\(visible) leaves \(devices.count)"
            }
            guard !devices.isEmpty else { return Discovery(devices: nil, note: "no GPUs (\(origin))") }
            return Discovery(devices: devices, note: "GPUs \(describe(devices)) (\(origin))")
        case .list(let ids):
            // nvidia-smi, when it answers, adds UUIDs and memory, and catches a device that is not there.
            let listed: [GPUDevice]
            do {
                listed = try parse(nvidiaSMIOutput: runNvidiaSMI().get())
            } catch {
                let devices = ids.map { GPUDevice(id: $0) }
                return Discovery(
                    devices: devices, note: "GPUs \(describe(devices)) (--gpus; not checked: \(error.description))")
            }
            let devices = try ids.map { (id: String) throws(GPUInventoryError) -> GPUDevice in
                // MIG instances are not among --query-gpu's devices (`nvidia-smi -L` lists them): taken as given.
                if id.hasPrefix("MIG-") { return GPUDevice(id: id, uuid: id) }
                let found = narrowed(listed, cudaVisibleDevices: id)
                guard let device = found.first else {
                    let known = listed.map(\.id).joined(separator: ", ")
                    throw GPUInventoryError(
                        "--gpus: nvidia-smi lists no device \(id) (it lists: \(known.isEmpty ? "none" : known))")
                }
                return GPUDevice(id: id, uuid: device.uuid, memoryMiB: device.memoryMiB)
            }
            return Discovery(devices: devices, note: "GPUs \(describe(devices)) (--gpus)")
        }
    }

    /// `0 (81920 MiB), 1 (81920 MiB)`.
    package static func describe(_ devices: [GPUDevice]) -> String {
        devices.map { device in device.memoryMiB.map { "\(device.id) (\($0) MiB)" } ?? device.id }.joined(
            separator: ", ")
    }

    /// Runs `nvidia-smi` from `PATH` with `queryArguments`, waiting at most `timeout` seconds (a
    /// wedged driver can hang it). The output, or why there is none.
    package static func runNvidiaSMI(
        path: String? = ProcessInfo.processInfo.environment["PATH"], timeout: Double = 15
    ) -> Result<String, GPUInventoryError> {
        let directories = (path ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        guard
            let executable = directories.map({ "\($0.isEmpty ? "." : $0)/nvidia-smi" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return .failure(GPUInventoryError("nvidia-smi not found on PATH")) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = queryArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch {
            return .failure(GPUInventoryError("cannot run \(executable): \(error.localizedDescription)"))
        }
        // Read on another thread (a full pipe would block the program), wait here with a deadline.
        let reader = OutputCollector()
        let handle = output.fileHandleForReading
        DispatchQueue.global().async { reader.finish(handle.readDataToEndOfFile()) }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            return .failure(GPUInventoryError("\(executable) did not finish within \(Int(timeout)) s"))
        }
        guard let data = reader.wait(seconds: 2) else {
            return .failure(GPUInventoryError("\(executable) exited but left its output open"))
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(GPUInventoryError("\(executable) failed (status \(process.terminationStatus))"))
        }
        return .success(String(decoding: data, as: UTF8.self))
    }
}

/// The output of a child read on another thread, handed over once.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var data: Data?

    func finish(_ data: Data) {
        lock.withLock { self.data = data }
        done.signal()
    }

    func wait(seconds: Double) -> Data? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return lock.withLock { data }
    }
}
