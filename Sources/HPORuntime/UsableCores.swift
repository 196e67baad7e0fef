import CCPUFeatures
import Foundation

/// The CPU cores a process may run on: the size of its affinity mask (`taskset`, cpusets, Slurm's
/// task binding, a Kubernetes pod with static CPUs), which Foundation's `activeProcessorCount`
/// does not look at on Linux (it counts the machine's online CPUs). A CPU quota without a cpuset
/// (cgroup `cpu.max`) is not seen; `hpo-worker --cores` says it then.
package enum UsableCores {
    /// This process's cores (`pid` 0), or another process's; the machine's where unknown.
    package static func count(pid: Int32 = 0) -> Int {
        let cores = Int(hpo_affinity_cpus(pid))
        return cores > 0 ? cores : ProcessInfo.processInfo.activeProcessorCount
    }
}
