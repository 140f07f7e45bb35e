from stammkunde.cli import main

main()
