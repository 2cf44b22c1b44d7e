# simulate / generate / check (issue [3/8]): targets go here.
