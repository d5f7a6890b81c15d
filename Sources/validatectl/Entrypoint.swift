import ArgumentParser
import ValidatedCtl

@main
enum Entrypoint {
    static func main() async {
        await ValidateCtl.main()
    }
}
