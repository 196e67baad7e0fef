/// The software version, reported by `hpo version`, in `hello` and in the results log.
public enum HPOVersion {
    public static let current = "0.1.0"
}
