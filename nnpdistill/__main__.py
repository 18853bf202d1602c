"""Command line: python -m nnpdistill export FILE.h5 OUT.extxyz | import IN.extxyz OUT.h5 | info FILE.h5 |
check-config FILE... | build-plugin"""

import argparse
import sys

from . import configfile, dataset
from .sample import momt_plugin


def main(argv=None):
    parser = argparse.ArgumentParser(prog="nnpdistill", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write an HDF5 dataset as extxyz (energies eV, forces eV/A)")
    export.add_argument("h5")
    export.add_argument("extxyz")
    imp = commands.add_parser("import", help="read an extxyz file with energies and forces into an HDF5 dataset")
    imp.add_argument("extxyz")
    imp.add_argument("h5")
    info = commands.add_parser("info", help="print the size, arrays and attributes of an HDF5 dataset")
    info.add_argument("h5")
    check = commands.add_parser("check-config", help="check that config files are mappings without repeated keys")
    check.add_argument("files", nargs="+")
    commands.add_parser("build-plugin", help="build (or find) the C++ LAMMPS fix momt/bias and print its path")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            print(f"{dataset.export_extxyz(args.h5, args.extxyz)} frames written to {args.extxyz}")
        elif args.command == "import":
            print(f"{dataset.import_extxyz(args.extxyz, args.h5)} frames written to {args.h5}")
        elif args.command == "check-config":
            configfile.check(args.files)
        elif args.command == "build-plugin":
            print(momt_plugin.plugin_path())
        else:
            data = dataset.read(args.h5)
            print(f"{args.h5}: {len(data)} frames of {data.n_atoms} atoms; extras: {', '.join(data.extras)}")
            for key, value in data.attrs.items():
                print(f"  {key}: {value}")
    except (dataset.DatasetError, configfile.ConfigFileError, momt_plugin.PluginError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
