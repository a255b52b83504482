/*
 * demo_names.c — name tables and the synthetic identity generator (see demo_names.h for the contracts).
 *
 * Layout: each origin is a set of cultures (struct culture); a culture holds its own given-name, family-name,
 * ethnicity, religion, language and nationality tables. Name tables are sorted most common first and drawn
 * with demo_rng_choose_ranked() (weight n - i); the demographic tables carry explicit weights per thousand.
 * Every entry is a common, everyday name or word: none describes a real person.
 *
 * Invariants:
 *   1. Every table string is valid UTF-8 with no control characters (the unit test checks every output).
 *   2. Every culture has non-empty male, female and family tables and non-empty weighted tables.
 *   3. Output buffers are written only through buf_put()/snprintf with checked results.
 */
#include "demo/demo_names.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/model_ident.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct wstr {
    const char *s;
    unsigned w;
} wstr;

/* ---- British: English, Welsh, Scottish ---------------------------------------------------------------- */

static const char *const english_m[] = {
    "Oliver", "George",  "Harry",   "Jack",      "Noah",   "Leo",     "Arthur",      "Oscar",    "Charlie",
    "Jacob",  "Thomas",  "Freddie", "Alfie",     "Theo",   "William", "James",       "Joshua",   "Henry",
    "Archie", "Ethan",   "Isaac",   "Alexander", "Joseph", "Samuel",  "Daniel",      "Logan",    "Edward",
    "Lucas",  "Max",     "Mason",   "Dylan",     "Riley",  "Finley",  "Harrison",    "Benjamin", "Lewis",
    "Callum", "Jake",    "Ryan",    "Liam",      "Connor", "Kieran",  "Matthew",     "Luke",     "Tyler",
    "Jayden", "Reece",   "Kyle",    "Ronnie",    "Tommy",  "Reuben",  "Stanley",     "Toby",     "Mark",
    "Paul",   "David",   "Andrew",  "Darren",    "Lee",    "Wayne",   "Christopher", "Michael",  "Jamie",
    "Craig",  "Stephen",
};
static const char *const english_f[] = {
    "Olivia", "Amelia",    "Isla",   "Ava",      "Mia",      "Ivy",      "Lily",   "Isabella", "Rosie",
    "Sophia", "Grace",     "Freya",  "Willow",   "Florence", "Emily",    "Ella",   "Poppy",    "Evie",
    "Elsie",  "Charlotte", "Evelyn", "Sienna",   "Daisy",    "Phoebe",   "Sophie", "Chloe",    "Jessica",
    "Emma",   "Lucy",      "Hannah", "Megan",    "Holly",    "Amber",    "Jade",   "Leah",     "Ellie",
    "Ruby",   "Millie",    "Maisie", "Lacey",    "Paige",    "Courtney", "Sarah",  "Laura",    "Rebecca",
    "Kelly",  "Gemma",     "Claire", "Nicola",   "Lisa",     "Michelle", "Donna",  "Zoë",      "Harper",
    "Aurora", "Matilda",   "Stacey", "Kayleigh", "Danielle", "Natalie",
};
static const char *const english_fam[] = {
    "Smith",     "Jones",     "Williams", "Taylor",   "Brown",    "Davies",     "Evans",   "Wilson",
    "Thomas",    "Johnson",   "Roberts",  "Robinson", "Thompson", "Wright",     "Walker",  "White",
    "Edwards",   "Hughes",    "Green",    "Hall",     "Lewis",    "Harris",     "Clarke",  "Jackson",
    "Wood",      "Turner",    "Martin",   "Cooper",   "Hill",     "Ward",       "Morris",  "Moore",
    "Clark",     "Lee",       "King",     "Baker",    "Harrison", "Morgan",     "Allen",   "James",
    "Scott",     "Phillips",  "Watson",   "Davis",    "Parker",   "Price",      "Bennett", "Young",
    "Griffiths", "Mitchell",  "Kelly",    "Cook",     "Carter",   "Richardson", "Bailey",  "Collins",
    "Bell",      "Shaw",      "Miller",   "Cox",      "Richards", "Marshall",   "Simpson", "Ellis",
    "Adams",     "Wilkinson", "Foster",   "Chapman",  "Webb",     "Rogers",     "Gray",    "Mason",
    "Lloyd",     "Powell",    "Hunt",     "Palmer",   "Holmes",   "Mills",      "Barnes",  "Knight",
    "Butler",    "Fletcher",  "Atkinson",
};
static const char *const welsh_m[] = {
    "Dafydd",   "Rhys", "Owain", "Gethin", "Iwan", "Osian", "Cai",     "Tomos",
    "Gruffydd", "Ioan", "Llŷr",  "Emyr",   "Aled", "Huw",   "Steffan", "Morgan",
};
static const char *const welsh_f[] = {
    "Siân",  "Cerys",  "Ffion", "Carys",    "Seren",  "Alys",  "Nia",      "Elin", "Mali",
    "Lowri", "Catrin", "Gwen",  "Rhiannon", "Bethan", "Eleri", "Angharad", "Efa",  "Heledd",
};
static const char *const welsh_fam[] = {
    "Jones",     "Williams", "Davies",    "Evans",     "Thomas",  "Roberts", "Lewis",
    "Hughes",    "Morgan",   "Griffiths", "Edwards",   "Owen",    "Price",   "Lloyd",
    "Jenkins",   "Rees",     "Powell",    "Pritchard", "Bowen",   "Vaughan", "Prosser",
    "Llewellyn", "Howells",  "Parry",     "Pugh",      "Probert", "Gwynne",  "ap Rhys",
};
static const char *const scottish_m[] = {
    "Euan",     "Hamish", "Ruaridh", "Fraser",  "Angus",   "Finlay", "Lachlan", "Struan", "Calum",
    "Alasdair", "Murdo",  "Iain",    "Kenneth", "Douglas", "Gregor", "Rory",    "Ewan",   "Archie",
};
static const char *const scottish_f[] = {
    "Mairi", "Eilidh", "Ailsa", "Morven", "Kirsty",   "Isla",  "Fiona",  "Catriona", "Iona",
    "Skye",  "Shona",  "Morag", "Rhona",  "Kirsteen", "Lorna", "Ishbel", "Annabel",  "Heather",
};
static const char *const scottish_fam[] = {
    "Smith",    "Brown",     "Wilson",   "Campbell", "Stewart",   "Thomson",  "Robertson",
    "Anderson", "MacDonald", "Scott",    "Reid",     "Murray",    "Taylor",   "Clark",
    "Ross",     "Watson",    "Morrison", "Paterson", "Young",     "Mitchell", "Walker",
    "Fraser",   "Miller",    "McDonald", "Gray",     "Henderson", "Hamilton", "Johnston",
    "Duncan",   "Graham",    "Ferguson", "Kerr",     "Davidson",  "McKenzie", "MacLeod",
    "McIntyre", "Sinclair",  "Grant",    "Cameron",  "Mackay",    "McGregor",
};

/* ---- Irish -------------------------------------------------------------------------------------------- */

static const char *const irish_m[] = {
    "Jack",    "James",   "Noah",  "Conor",  "Seán",    "Daniel",  "Cian",   "Oisín",  "Darragh",  "Patrick",
    "Michael", "Liam",    "Tadhg", "Fionn",  "Rían",    "Ryan",    "Adam",   "Luke",   "Charlie",  "Thomas",
    "Finn",    "Cillian", "Eoin",  "Ciarán", "Dónal",   "Pádraig", "Séamus", "Niall",  "Declan",   "Kevin",
    "Brian",   "Colm",    "Ronan", "Aidan",  "Shane",   "Dermot",  "Eoghan", "Ruairí", "Diarmuid", "Cathal",
    "Fergal",  "Kieran",  "Senan", "Tomás",  "Mícheál", "Darren",  "Paul",   "John",   "Gerard",   "Martin",
};
static const char *const irish_f[] = {
    "Grace",   "Emily",   "Fiadh",   "Sophie",   "Ella",   "Lily", "Aoife",   "Siobhán", "Róisín", "Saoirse",
    "Niamh",   "Caoimhe", "Ciara",   "Clodagh",  "Sinéad", "Orla", "Aisling", "Méabh",   "Éabha",  "Aoibhinn",
    "Ailbhe",  "Gráinne", "Órlaith", "Muireann", "Síofra", "Áine", "Nuala",   "Bríd",    "Máire",  "Mary",
    "Bridget", "Kate",    "Sarah",   "Emma",     "Chloe",  "Ava",  "Molly",   "Lucy",    "Hannah", "Erin",
    "Caitlín", "Deirdre", "Eimear",  "Laoise",   "Ríona",  "Úna",  "Sorcha",  "Nora",    "Maeve",  "Shauna",
};
static const char *const irish_fam[] = {
    "Murphy",      "Kelly",       "O'Sullivan",     "Walsh",         "Smith",       "O'Brien",  "Byrne",
    "Ryan",        "O'Connor",    "O'Neill",        "O'Reilly",      "Doyle",       "McCarthy", "Gallagher",
    "O'Doherty",   "Kennedy",     "Lynch",          "Murray",        "Quinn",       "Moore",    "McLaughlin",
    "O'Carroll",   "Connolly",    "Daly",           "O'Connell",     "Wilson",      "Dunne",    "Brennan",
    "Burke",       "Collins",     "Campbell",       "Clarke",        "Johnston",    "Hughes",   "O'Farrell",
    "Fitzgerald",  "Brown",       "Martin",         "Maguire",       "Nolan",       "Flynn",    "Thompson",
    "O'Callaghan", "O'Donnell",   "Duffy",          "O'Mahony",      "Boyle",       "Healy",    "O'Shea",
    "White",       "Sweeney",     "Hayes",          "Kavanagh",      "Power",       "McGrath",  "Moran",
    "Brady",       "Casey",       "O'Keeffe",       "Egan",          "Whelan",      "Hogan",    "Cullen",
    "McGuinness",  "Ó Briain",    "Ó Súilleabháin", "Mac Cárthaigh", "Ó Ceallaigh", "Ó Murchú", "Ó Dónaill",
    "Ó Néill",     "Mac Mathúna",
};

/* ---- South Asian: Gujarati Indian, Punjabi Sikh, Pakistani, Bangladeshi ---------------------------------
 */

static const char *const gujarati_m[] = {
    "Aarav",  "Arjun",  "Krish",  "Rohan",   "Dev",     "Vihaan", "Ishaan", "Aryan", "Rahul", "Nikhil",
    "Sahil",  "Jay",    "Kishan", "Raj",     "Rajesh",  "Sanjay", "Vikram", "Anil",  "Ravi",  "Sunil",
    "Mitesh", "Hitesh", "Nilesh", "Bhavesh", "Jignesh", "Dhruv",  "Yash",   "Harsh", "Neel",  "Vivek",
};
static const char *const gujarati_f[] = {
    "Anaya",  "Aanya",  "Priya",  "Anjali", "Pooja", "Neha",  "Riya",   "Diya",  "Isha",
    "Kavita", "Sunita", "Meena",  "Asha",   "Deepa", "Hema",  "Nisha",  "Komal", "Bhavna",
    "Hetal",  "Krupa",  "Shreya", "Aditi",  "Kajal", "Sejal", "Dimple", "Mira",  "Tara",
};
static const char *const gujarati_fam[] = {
    "Patel",  "Shah",   "Mistry",  "Parmar",  "Lad",     "Chauhan", "Solanki", "Joshi",  "Mehta",
    "Desai",  "Tailor", "Thakkar", "Pandya",  "Bhatt",   "Vaghela", "Makwana", "Rathod", "Chavda",
    "Parekh", "Gohil",  "Trivedi", "Kotecha", "Lakhani", "Pattni",  "Sharma",  "Kumar",  "Gupta",
    "Vyas",   "Raval",  "Dave",    "Dodhia",  "Lodhia",  "Popat",   "Modi",
};
static const char *const sikh_m[] = {
    "Harjit", "Jaspreet", "Manpreet",  "Amarjit", "Sukhdev",   "Jaskaran", "Gurdeep",
    "Ranjit", "Sandeep",  "Harvinder", "Kuldeep", "Balwinder", "Jasvir",   "Parminder",
    "Gurjit", "Arjan",    "Jasraj",    "Harjot",  "Gurveer",   "Harvir",   "Ekam",
    "Fateh",  "Sukhveer", "Rajvir",    "Navdeep", "Inderjit",  "Jagdeep",  "Gurpreet",
};
static const char *const sikh_f[] = {
    "Simran",  "Jasleen",   "Harleen",  "Gurleen", "Navneet",  "Rajinder", "Kulwinder",
    "Amrit",   "Sukhpreet", "Jaspreet", "Manjit",  "Harpreet", "Paramjit", "Gurpreet",
    "Kiran",   "Amandeep",  "Jasmeet",  "Harnoor", "Gurkirat", "Ekamjot",  "Rupinder",
    "Hardeep", "Navjot",    "Prabhjot", "Mandeep", "Baljit",
};
static const char *const sikh_fam[] = {
    "Singh", "Gill",   "Sandhu",  "Sidhu", "Dhillon", "Bains",  "Johal",    "Grewal",   "Sohal",  "Atwal",
    "Kang",  "Virdi",  "Hayer",   "Rai",   "Basra",   "Sahota", "Dhaliwal", "Mann",     "Bhamra", "Kalsi",
    "Sehmi", "Bhogal", "Matharu", "Chana", "Uppal",   "Sangha", "Purewal",  "Randhawa", "Takhar", "Bassi",
};
static const char *const pakistani_m[] = {
    "Muhammad", "Mohammed", "Ali",    "Ibrahim", "Yusuf",   "Zayn",  "Ayaan",  "Hamza",  "Umar",   "Ahmed",
    "Adam",     "Imran",    "Tariq",  "Faisal",  "Bilal",   "Usman", "Zain",   "Haris",  "Rayyan", "Abdullah",
    "Shahid",   "Arif",     "Rizwan", "Asif",    "Mehmood", "Saif",  "Zubair", "Kashif", "Adnan",  "Hassan",
    "Irfan",    "Nadeem",   "Amir",   "Waqas",   "Zeeshan", "Omar",  "Musa",   "Idris",  "Danyal",
};
static const char *const pakistani_f[] = {
    "Aisha", "Fatima", "Maryam",  "Zara",    "Amira",    "Hafsa",   "Khadija", "Zainab",
    "Inaya", "Aleena", "Ayesha",  "Mariam",  "Sana",     "Hira",    "Iqra",    "Noor",
    "Eshal", "Sadia",  "Nazia",   "Samina",  "Rukhsana", "Shabana", "Nasreen", "Parveen",
    "Saima", "Bushra", "Uzma",    "Ambreen", "Mehwish",  "Anum",    "Alisha",  "Hania",
    "Zoya",  "Areeba", "Minahil", "Laiba",   "Rabia",    "Sumaira",
};
static const char *const pakistani_fam[] = {
    "Khan",   "Hussain", "Ali",      "Ahmed",   "Mahmood", "Iqbal",  "Akhtar", "Malik",  "Mohammed", "Rashid",
    "Aziz",   "Butt",    "Sheikh",   "Qureshi", "Mirza",   "Javed",  "Anwar",  "Saleem", "Siddiqui", "Raja",
    "Shah",   "Bhatti",  "Chaudhry", "Mughal",  "Rehman",  "Younis", "Sadiq",  "Hanif",  "Latif",    "Nawaz",
    "Yousaf", "Ashraf",  "Riaz",     "Kayani",  "Abbasi",  "Zaman",  "Farooq", "Arshad", "Afzal",
};
static const char *const bangladeshi_m[] = {
    "Muhammad", "Mohammed", "Abdul",   "Rahim",  "Kamal",   "Jamal",  "Rafiq",  "Nabil",  "Shakil",
    "Habib",    "Ayaan",    "Ibrahim", "Yusuf",  "Zakaria", "Rayhan", "Tanvir", "Shahed", "Sohel",
    "Mizanur",  "Mahbub",   "Ashik",   "Foysal", "Jubair",  "Sabbir", "Rakib",  "Arafat", "Mustafa",
    "Emran",    "Nazrul",   "Shamim",  "Anwar",  "Faruk",   "Salman", "Ismail",
};
static const char *const bangladeshi_f[] = {
    "Fatima",  "Sumaiya", "Tasnim", "Nusrat", "Farzana", "Shirin",  "Sabrina", "Rina",   "Tahmina",
    "Jannat",  "Maryam",  "Aisha",  "Sadia",  "Ruksana", "Shahana", "Rehana",  "Najma",  "Salma",
    "Mahmuda", "Nadia",   "Lubna",  "Afia",   "Ruma",    "Shapla",  "Sultana", "Jesmin", "Rokeya",
    "Taslima", "Samia",   "Habiba", "Suhana", "Maisha",  "Raisa",   "Ayesha",
};
static const char *const bangladeshi_fam[] = {
    "Miah",    "Islam",    "Uddin",    "Rahman",  "Ahmed",  "Ali",    "Chowdhury", "Hossain",  "Khan",
    "Haque",   "Karim",    "Ullah",    "Hussain", "Alam",   "Akhtar", "Sarkar",    "Talukder", "Choudhury",
    "Bhuiyan", "Sheikh",   "Mollah",   "Mia",     "Rashid", "Haider", "Kabir",     "Hasan",    "Amin",
    "Mahmud",  "Siddique", "Majumder", "Zaman",   "Aziz",   "Mannan", "Malik",
};

/* ---- Eastern European: Polish, Romanian, Lithuanian, Czech, Slovak --------------------------------------
 */

static const char *const polish_m[] = {
    "Jakub",    "Jan",        "Szymon",  "Filip", "Kacper",  "Antoni",    "Aleksander", "Franciszek",
    "Mikołaj",  "Wojciech",   "Łukasz",  "Piotr", "Tomasz",  "Paweł",     "Michał",     "Krzysztof",
    "Marcin",   "Grzegorz",   "Mateusz", "Dawid", "Bartosz", "Adrian",    "Kamil",      "Maciej",
    "Artur",    "Przemysław", "Andrzej", "Marek", "Damian",  "Sebastian", "Rafał",      "Dariusz",
    "Jarosław", "Stanisław",  "Igor",    "Oskar", "Nikodem", "Tymon",
};
static const char *const polish_f[] = {
    "Zuzanna",  "Julia",    "Zofia",      "Hanna",     "Maja",       "Lena",    "Alicja",   "Oliwia",
    "Natalia",  "Wiktoria", "Agnieszka",  "Katarzyna", "Małgorzata", "Anna",    "Joanna",   "Magdalena",
    "Monika",   "Ewa",      "Aleksandra", "Dorota",    "Beata",      "Justyna", "Karolina", "Paulina",
    "Marta",    "Izabela",  "Weronika",   "Gabriela",  "Dominika",   "Kamila",  "Agata",    "Emilia",
    "Marianna", "Iga",      "Barbara",    "Sylwia",    "Renata",
};
static const char *const polish_fam[] = {
    "Nowak",       "Kowalski",      "Wiśniewski", "Wójcik",     "Kowalczyk",   "Kamiński",  "Lewandowski",
    "Zieliński",   "Szymański",     "Woźniak",    "Dąbrowski",  "Kozłowski",   "Jankowski", "Mazur",
    "Kwiatkowski", "Wojciechowski", "Krawczyk",   "Kaczmarek",  "Piotrowski",  "Grabowski", "Zając",
    "Pawłowski",   "Michalski",     "Król",       "Wieczorek",  "Jabłoński",   "Wróbel",    "Nowakowski",
    "Majewski",    "Olszewski",     "Stępień",    "Malinowski", "Jaworski",    "Adamczyk",  "Dudek",
    "Nowicki",     "Pawlak",        "Górski",     "Witkowski",  "Walczak",     "Sikora",    "Baran",
    "Rutkowski",   "Michalak",      "Szewczyk",   "Ostrowski",  "Tomaszewski",
};
static const char *const romanian_m[] = {
    "Andrei", "Alexandru",  "Ionuț",  "Mihai",  "Ștefan",  "Gabriel", "Florin", "Cristian",
    "Răzvan", "Bogdan",     "Vlad",   "Darius", "Tudor",   "David",   "Luca",   "Matei",
    "Ion",    "Constantin", "Adrian", "Marius", "Nicolae", "Daniel",  "Ionel",  "Sorin",
    "Cosmin", "Gheorghe",   "Vasile", "Robert", "Denis",   "Eduard",
};
static const char *const romanian_f[] = {
    "Andreea", "Ioana",      "Elena",    "Maria",     "Alexandra", "Mihaela",  "Ana-Maria", "Cristina",
    "Bianca",  "Raluca",     "Ramona",   "Gabriela",  "Daria",     "Sofia",    "Ilinca",    "Irina",
    "Alina",   "Florentina", "Nicoleta", "Georgiana", "Denisa",    "Larisa",   "Roxana",    "Oana",
    "Diana",   "Camelia",    "Simona",   "Iuliana",   "Luminița",  "Ștefania",
};
static const char *const romanian_fam[] = {
    "Popa",    "Popescu",   "Pop",      "Radu",     "Dumitru",    "Stan",     "Stoica", "Gheorghe", "Matei",
    "Ciobanu", "Ionescu",   "Rusu",     "Mihai",    "Constantin", "Munteanu", "Dinu",   "Florea",   "Toma",
    "Lungu",   "Tudor",     "Moldovan", "Marin",    "Ilie",       "Ene",      "Lazăr",  "Nistor",   "Dobre",
    "Barbu",   "Niculescu", "Moraru",   "Stănescu", "Șerban",     "Sandu",    "Neagu",  "Voicu",    "Costea",
    "Mocanu",  "Cojocaru",  "Oprea",    "Lăcătuș",  "Rădulescu",
};
static const char *const lithuanian_m[] = {
    "Lukas",   "Matas",      "Jonas",     "Dominykas", "Mantas",   "Tomas",      "Rokas",    "Paulius",
    "Nojus",   "Kajus",      "Benas",     "Dovydas",   "Jokūbas",  "Gabrielius", "Arnas",    "Tadas",
    "Darius",  "Andrius",    "Mindaugas", "Vytautas",  "Giedrius", "Karolis",    "Justinas", "Ignas",
    "Aurimas", "Žygimantas", "Deividas",  "Šarūnas",   "Kęstutis", "Marius",
};
static const char *const lithuanian_f[] = {
    "Ieva",      "Gabija",    "Austėja", "Emilija", "Kotryna",  "Rūta",    "Laura",   "Eglė",
    "Lukrecija", "Viktorija", "Simona",  "Goda",    "Urtė",     "Kamilė",  "Ugnė",    "Monika",
    "Agnė",      "Jurgita",   "Vaida",   "Inga",    "Kristina", "Gintarė", "Neringa", "Aistė",
    "Indrė",     "Milda",     "Živilė",  "Dovilė",  "Rasa",     "Skaistė",
};
static const char *const lithuanian_fam[] = {
    "Kazlauskas",  "Jankauskas", "Petrauskas",   "Stankevičius", "Vasiliauskas", "Žukauskas",   "Butkus",
    "Paulauskas",  "Urbonas",    "Kavaliauskas", "Baranauskas",  "Pocius",       "Sakalauskas", "Navickas",
    "Ramanauskas", "Savickas",   "Rimkus",       "Lukošius",     "Mockus",       "Adomaitis",   "Kairys",
    "Jonaitis",    "Balčiūnas",  "Vaitkus",      "Žilinskas",    "Šimkus",       "Bernotas",    "Mikalauskas",
    "Jakubauskas", "Budrys",     "Grigas",       "Klimas",
};
static const char *const czech_m[] = {
    "Jakub", "Jan",  "Tomáš",  "Adam",  "Matyáš", "Vojtěch", "Ondřej", "Lukáš",  "Filip",  "Matěj",
    "Petr",  "Jiří", "Martin", "Pavel", "David",  "Štěpán",  "Josef",  "Michal", "Daniel", "Václav",
};
static const char *const czech_f[] = {
    "Eliška",   "Tereza", "Anna", "Adéla",   "Natálie", "Karolína", "Kateřina", "Lucie",  "Barbora", "Klára",
    "Veronika", "Petra",  "Jana", "Markéta", "Zuzana",  "Michaela", "Kristýna", "Nikola", "Denisa",  "Lenka",
};
static const char *const czech_fam[] = {
    "Novák",   "Svoboda", "Novotný",  "Dvořák",  "Černý",   "Procházka", "Kučera",
    "Veselý",  "Horák",   "Němec",    "Pokorný", "Marek",   "Pospíšil",  "Hájek",
    "Jelínek", "Král",    "Růžička",  "Beneš",   "Fiala",   "Sedláček",  "Doležal",
    "Zeman",   "Kolář",   "Navrátil", "Čermák",  "Horváth", "Kotlár",    "Dušek",
};
static const char *const slovak_m[] = {
    "Jakub", "Samuel", "Adam",  "Michal",  "Tomáš",  "Matúš", "Lukáš",  "Martin",   "Filip",   "Peter",
    "Ján",   "Marek",  "Juraj", "Dominik", "Patrik", "Milan", "Róbert", "Miroslav", "Ľubomír", "Marián",
};
static const char *const slovak_f[] = {
    "Sofia",    "Nina",   "Ema",      "Natália",  "Viktória", "Zuzana", "Lenka",
    "Martina",  "Nikola", "Michaela", "Kristína", "Veronika", "Lucia",  "Simona",
    "Katarína", "Jana",   "Mária",    "Ľudmila",  "Dominika", "Petra",
};
static const char *const slovak_fam[] = {
    "Horváth", "Kováč", "Varga", "Tóth",     "Nagy",   "Baláž",  "Szabó", "Molnár",
    "Balog",   "Lukáč", "Novák", "Polák",    "Kollár", "Oravec", "Gažo",  "Lakatoš",
    "Kotlár",  "Hudák", "Čonka", "Červeňák", "Šimko",  "Bartoš",
};

/* ---- African: Nigerian, Somali, Ghanaian, Zimbabwean ----------------------------------------------------
 */

static const char *const nigerian_m[] = {
    "Daniel",      "David",     "Emmanuel",  "Samuel",  "Joshua",      "Oluwaseun", "Olumide",  "Adebayo",
    "Ayodele",     "Babatunde", "Femi",      "Tunde",   "Segun",       "Kunle",     "Dayo",     "Tobi",
    "Tomiwa",      "Ayomide",   "Michael",   "Chinedu", "Chukwuemeka", "Emeka",     "Obinna",   "Ikenna",
    "Nnamdi",      "Uchenna",   "Chidi",     "Ifeanyi", "Kelechi",     "Oluwatobi", "Damilare", "Ebuka",
    "Somtochukwu", "Adébáyọ̀",   "Olúwaṣeun", "Ayọ̀dèjì",
};
static const char *const nigerian_f[] = {
    "Blessing", "Precious",  "Grace",    "Esther",   "Deborah",  "Favour",    "Mercy",  "Joy",
    "Faith",    "Funmilayo", "Folake",   "Yetunde",  "Bukola",   "Titilayo",  "Adaeze", "Adaora",
    "Chiamaka", "Chioma",    "Ngozi",    "Nkechi",   "Ifeoma",   "Amaka",     "Ebere",  "Oluwatoyin",
    "Temitope", "Damilola",  "Tolulope", "Simisola", "Morenike", "Oluwaseyi", "Fọlákẹ́", "Títílayọ̀",
};
static const char *const nigerian_fam[] = {
    "Okafor",  "Okonkwo",   "Adeyemi",  "Ogunleye", "Adebayo",  "Oladipo",  "Okoro",   "Eze",      "Nwosu",
    "Obi",     "Adeleke",   "Balogun",  "Afolabi",  "Ogunbiyi", "Oyelaran", "Akinola", "Olawale",  "Bello",
    "Ibrahim", "Nwachukwu", "Chukwu",   "Onyeka",   "Uzoma",    "Okeke",    "Ojo",     "Babalola", "Adewale",
    "Oyewole", "Ajayi",     "Ogundipe", "Oni",      "Emenike",  "Nwankwo",  "Adéyẹmí", "Ògúnlẹ́yẹ",
};
static const char *const somali_m[] = {
    "Mohamed", "Abdi",    "Ahmed",   "Abdirahman", "Abdullahi", "Hassan",  "Hussein", "Omar", "Yusuf",
    "Ismail",  "Mustafa", "Liban",   "Abdikarim",  "Mahad",     "Guled",   "Hamza",   "Ayub", "Bashir",
    "Khalid",  "Farah",   "Mukhtar", "Idris",      "Saed",      "Warsame", "Osman",   "Adan", "Abdiaziz",
};
static const char *const somali_f[] = {
    "Amina",  "Fadumo", "Hodan", "Sahra",  "Hawa",   "Ayan",  "Ifrah",  "Nasra", "Hibo",
    "Ubah",   "Khadra", "Asha",  "Fartun", "Hamdi",  "Idil",  "Sagal",  "Deeqa", "Ilhan",
    "Samira", "Maryan", "Hafsa", "Najma",  "Sumaya", "Anisa", "Halima", "Muna",  "Ladan",
};
static const char *const somali_fam[] = {
    "Mohamed",   "Ali",     "Ahmed", "Hassan", "Abdi",    "Hussein", "Omar", "Farah",
    "Yusuf",     "Ibrahim", "Osman", "Jama",   "Mohamud", "Warsame", "Nur",  "Aden",
    "Abdullahi", "Ismail",  "Egal",  "Gure",   "Hersi",   "Dahir",   "Elmi", "Duale",
    "Abdillahi", "Guled",   "Hirsi", "Sheikh", "Musse",   "Awale",
};
static const char *const ghanaian_m[] = {
    "Kwame",  "Kofi",  "Kwabena", "Kwasi",   "Kojo",     "Yaw",    "Kwaku",  "Nana",
    "Kwadwo", "Kweku", "Ebo",     "Fiifi",   "Emmanuel", "Samuel", "Daniel", "Isaac",
    "Prince", "Nii",   "Michael", "Richard", "Benjamin", "Joseph", "Kelvin", "Bernard",
};
static const char *const ghanaian_f[] = {
    "Adwoa", "Akosua", "Abena", "Ama",      "Efua",    "Esi",    "Yaa",       "Afua",  "Akua",
    "Adjoa", "Araba",  "Naa",   "Abigail",  "Comfort", "Gifty",  "Priscilla", "Mercy", "Grace",
    "Ruth",  "Vida",   "Linda", "Patience", "Joyce",   "Evelyn", "Sandra",
};
static const char *const ghanaian_fam[] = {
    "Mensah", "Asante", "Boateng",  "Owusu", "Osei",    "Appiah",     "Amoah", "Agyeman",
    "Addo",   "Darko",  "Ofori",    "Danso", "Quaye",   "Acheampong", "Adjei", "Amponsah",
    "Opoku",  "Antwi",  "Frimpong", "Badu",  "Sarpong", "Gyamfi",     "Ansah", "Tetteh",
    "Annan",  "Bonsu",  "Yeboah",   "Oduro", "Kyei",
};
static const char *const zimbabwean_m[] = {
    "Tendai",   "Tafadzwa", "Tinashe",  "Farai",    "Tatenda", "Kudakwashe",
    "Tawanda",  "Takudzwa", "Munashe",  "Blessing", "Godfrey", "Simbarashe",
    "Tonderai", "Brighton", "Tichaona", "Panashe",  "Anesu",   "Tanaka",
};
static const char *const zimbabwean_f[] = {
    "Rutendo", "Chipo",     "Nyasha",      "Ruvimbo",   "Tsitsi",    "Rumbidzai", "Vimbai",
    "Fadzai",  "Chiedza",   "Tariro",      "Nokuthula", "Thandiwe",  "Precious",  "Sharon",
    "Memory",  "Ropafadzo", "Tanyaradzwa", "Kudzai",    "Tinotenda", "Shamiso",
};
static const char *const zimbabwean_fam[] = {
    "Moyo",     "Ncube",   "Sibanda", "Dube",    "Ndlovu", "Mpofu",   "Nyathi", "Mlambo",  "Banda",
    "Phiri",    "Mhlanga", "Zulu",    "Marufu",  "Chirwa", "Gumbo",   "Shumba", "Sithole", "Makoni",
    "Chigumba", "Maposa",  "Musonda", "Mutendi", "Nyoni",  "Khumalo", "Tshuma",
};

/* ---- Demographic tables (weights per thousand) ----------------------------------------------------------
 */

static const wstr eth_english[] = {{"WBRI", 880}, {"WOTH", 25}, {"MWBC", 25}, {"MWBA", 10}, {"MWAS", 15},
                                   {"MOTH", 15},  {"BCRB", 10}, {"NOBT", 12}, {"REFU", 8}};
static const wstr eth_celtic[] = {{"WBRI", 940}, {"WOTH", 15}, {"MOTH", 15}, {"NOBT", 20}, {"REFU", 10}};
static const wstr eth_irish[] = {{"WIRI", 700}, {"WBRI", 200}, {"WIRT", 40},
                                 {"MOTH", 20},  {"NOBT", 25},  {"REFU", 15}};
static const wstr eth_indian[] = {{"AIND", 905}, {"AOTH", 40}, {"MWAS", 20}, {"NOBT", 22}, {"REFU", 13}};
static const wstr eth_pakistani[] = {{"APKN", 900}, {"AOTH", 30}, {"MWAS", 30}, {"NOBT", 25}, {"REFU", 15}};
static const wstr eth_bangladeshi[] = {{"ABAN", 920}, {"AOTH", 20}, {"MWAS", 20}, {"NOBT", 25}, {"REFU", 15}};
static const wstr eth_polish[] = {{"WOTH", 930}, {"MOTH", 20}, {"NOBT", 35}, {"REFU", 15}};
static const wstr eth_roma_mix[] = {{"WOTH", 720}, {"WROM", 230}, {"NOBT", 35}, {"REFU", 15}};
static const wstr eth_african[] = {{"BAFR", 900}, {"MWBA", 40}, {"BOTH", 20}, {"NOBT", 25}, {"REFU", 15}};

static const wstr rel_english[] = {{"no_religion", 460}, {"christian", 400}, {"not_stated", 90},
                                   {"other", 15},        {"muslim", 10},     {"buddhist", 10},
                                   {"jewish", 10},       {"hindu", 5}};
static const wstr rel_celtic[] = {
    {"no_religion", 470}, {"christian", 430}, {"not_stated", 90}, {"other", 10}};
static const wstr rel_christian[] = {
    {"christian", 760}, {"no_religion", 150}, {"not_stated", 80}, {"other", 10}};
static const wstr rel_gujarati[] = {{"hindu", 820},    {"other", 60},       {"muslim", 40},
                                    {"christian", 20}, {"no_religion", 30}, {"not_stated", 30}};
static const wstr rel_sikh[] = {{"sikh", 910}, {"hindu", 20}, {"no_religion", 30}, {"not_stated", 40}};
static const wstr rel_muslim[] = {{"muslim", 960}, {"not_stated", 30}, {"no_religion", 10}};
static const wstr rel_czech[] = {{"no_religion", 520}, {"christian", 400}, {"not_stated", 80}};
static const wstr rel_west_african[] = {
    {"christian", 820}, {"muslim", 130}, {"not_stated", 40}, {"no_religion", 10}};
static const wstr rel_zimbabwean[] = {
    {"christian", 880}, {"no_religion", 50}, {"not_stated", 60}, {"other", 10}};

static const wstr lang_english[] = {{"English", 995}, {"British Sign Language", 5}};
static const wstr lang_welsh[] = {{"English", 850}, {"Welsh", 150}};
static const wstr lang_scottish[] = {{"English", 960}, {"Scottish Gaelic", 40}};
static const wstr lang_irish[] = {{"English", 960}, {"Irish", 40}};
static const wstr lang_gujarati[] = {{"English", 550}, {"Gujarati", 400}, {"Hindi", 50}};
static const wstr lang_sikh[] = {{"English", 600}, {"Punjabi", 400}};
static const wstr lang_pakistani[] = {{"English", 500}, {"Urdu", 250}, {"Punjabi", 200}, {"Pashto", 50}};
static const wstr lang_bangladeshi[] = {{"English", 450}, {"Bengali", 350}, {"Sylheti", 200}};
static const wstr lang_polish[] = {{"Polish", 620}, {"English", 380}};
static const wstr lang_romanian[] = {{"Romanian", 620}, {"English", 330}, {"Romany", 50}};
static const wstr lang_lithuanian[] = {{"Lithuanian", 600}, {"English", 320}, {"Russian", 80}};
static const wstr lang_czech[] = {{"Czech", 560}, {"English", 320}, {"Romany", 120}};
static const wstr lang_slovak[] = {{"Slovak", 560}, {"English", 300}, {"Romany", 140}};
static const wstr lang_nigerian[] = {{"English", 700}, {"Yoruba", 180}, {"Igbo", 120}};
static const wstr lang_somali[] = {{"Somali", 600}, {"English", 350}, {"Arabic", 50}};
static const wstr lang_ghanaian[] = {{"English", 650}, {"Twi", 300}, {"Ga", 50}};
static const wstr lang_zimbabwean[] = {{"English", 700}, {"Shona", 250}, {"Ndebele", 50}};

static const wstr nat_british[] = {{"British", 1000}};
static const wstr nat_irish[] = {{"Irish", 550}, {"British", 450}};
static const wstr nat_indian[] = {{"British", 820}, {"Indian", 180}};
static const wstr nat_pakistani[] = {{"British", 820}, {"Pakistani", 180}};
static const wstr nat_bangladeshi[] = {{"British", 820}, {"Bangladeshi", 180}};
static const wstr nat_polish[] = {{"Polish", 620}, {"British", 380}};
static const wstr nat_romanian[] = {{"Romanian", 700}, {"British", 300}};
static const wstr nat_lithuanian[] = {{"Lithuanian", 650}, {"British", 350}};
static const wstr nat_czech[] = {{"Czech", 700}, {"British", 300}};
static const wstr nat_slovak[] = {{"Slovak", 700}, {"British", 300}};
static const wstr nat_nigerian[] = {{"British", 550}, {"Nigerian", 450}};
static const wstr nat_somali[] = {{"British", 550}, {"Somali", 330}, {"Dutch", 120}};
static const wstr nat_ghanaian[] = {{"British", 600}, {"Ghanaian", 400}};
static const wstr nat_zimbabwean[] = {{"British", 550}, {"Zimbabwean", 450}};

/* ---- Cultures -------------------------------------------------------------------------------------------
 */

/* How a culture derives a woman's surname from the family's dictionary form. */
typedef enum { FEM_NONE, FEM_POLISH, FEM_CZECH_SLOVAK, FEM_LITHUANIAN, FEM_IRISH_GAELIC } fem_rule;

typedef struct culture {
    demo_origin origin;
    unsigned weight; /* within the origin, per thousand */
    const char *const *male;
    size_t n_male;
    const char *const *female;
    size_t n_female;
    const char *const *family;
    size_t n_family;
    const wstr *eth;
    size_t n_eth;
    const wstr *rel;
    size_t n_rel;
    const wstr *lang;
    size_t n_lang;
    const wstr *nat;
    size_t n_nat;
    /* Sex-marking names: Sikh Singh/Kaur, Bangladeshi Begum, Pakistani Bibi; NULL when a culture has none. */
    const char *male_marker;
    const char *female_marker;
    fem_rule fem;
    unsigned female_marker_surname_pm; /* how often a woman uses female_marker as her surname */
} culture;

#define NAMES(m, f, fam) m, COUNT(m), f, COUNT(f), fam, COUNT(fam)
#define W(t)             t, COUNT(t)

static const culture cultures[] = {
    {DEMO_ORIGIN_BRITISH, 880, NAMES(english_m, english_f, english_fam), W(eth_english), W(rel_english),
     W(lang_english), W(nat_british), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_BRITISH, 50, NAMES(welsh_m, welsh_f, welsh_fam), W(eth_celtic), W(rel_celtic), W(lang_welsh),
     W(nat_british), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_BRITISH, 70, NAMES(scottish_m, scottish_f, scottish_fam), W(eth_celtic), W(rel_celtic),
     W(lang_scottish), W(nat_british), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_IRISH, 1000, NAMES(irish_m, irish_f, irish_fam), W(eth_irish), W(rel_christian),
     W(lang_irish), W(nat_irish), NULL, NULL, FEM_IRISH_GAELIC, 0},
    {DEMO_ORIGIN_SOUTH_ASIAN, 450, NAMES(gujarati_m, gujarati_f, gujarati_fam), W(eth_indian),
     W(rel_gujarati), W(lang_gujarati), W(nat_indian), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_SOUTH_ASIAN, 200, NAMES(sikh_m, sikh_f, sikh_fam), W(eth_indian), W(rel_sikh), W(lang_sikh),
     W(nat_indian), "Singh", "Kaur", FEM_NONE, 250},
    {DEMO_ORIGIN_SOUTH_ASIAN, 220, NAMES(pakistani_m, pakistani_f, pakistani_fam), W(eth_pakistani),
     W(rel_muslim), W(lang_pakistani), W(nat_pakistani), NULL, "Bibi", FEM_NONE, 60},
    {DEMO_ORIGIN_SOUTH_ASIAN, 130, NAMES(bangladeshi_m, bangladeshi_f, bangladeshi_fam), W(eth_bangladeshi),
     W(rel_muslim), W(lang_bangladeshi), W(nat_bangladeshi), NULL, "Begum", FEM_NONE, 250},
    {DEMO_ORIGIN_EASTERN_EUROPEAN, 500, NAMES(polish_m, polish_f, polish_fam), W(eth_polish),
     W(rel_christian), W(lang_polish), W(nat_polish), NULL, NULL, FEM_POLISH, 0},
    {DEMO_ORIGIN_EASTERN_EUROPEAN, 250, NAMES(romanian_m, romanian_f, romanian_fam), W(eth_roma_mix),
     W(rel_christian), W(lang_romanian), W(nat_romanian), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_EASTERN_EUROPEAN, 100, NAMES(lithuanian_m, lithuanian_f, lithuanian_fam), W(eth_polish),
     W(rel_christian), W(lang_lithuanian), W(nat_lithuanian), NULL, NULL, FEM_LITHUANIAN, 0},
    {DEMO_ORIGIN_EASTERN_EUROPEAN, 60, NAMES(czech_m, czech_f, czech_fam), W(eth_roma_mix), W(rel_czech),
     W(lang_czech), W(nat_czech), NULL, NULL, FEM_CZECH_SLOVAK, 0},
    {DEMO_ORIGIN_EASTERN_EUROPEAN, 90, NAMES(slovak_m, slovak_f, slovak_fam), W(eth_roma_mix),
     W(rel_christian), W(lang_slovak), W(nat_slovak), NULL, NULL, FEM_CZECH_SLOVAK, 0},
    {DEMO_ORIGIN_AFRICAN, 350, NAMES(nigerian_m, nigerian_f, nigerian_fam), W(eth_african),
     W(rel_west_african), W(lang_nigerian), W(nat_nigerian), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_AFRICAN, 300, NAMES(somali_m, somali_f, somali_fam), W(eth_african), W(rel_muslim),
     W(lang_somali), W(nat_somali), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_AFRICAN, 150, NAMES(ghanaian_m, ghanaian_f, ghanaian_fam), W(eth_african),
     W(rel_west_african), W(lang_ghanaian), W(nat_ghanaian), NULL, NULL, FEM_NONE, 0},
    {DEMO_ORIGIN_AFRICAN, 200, NAMES(zimbabwean_m, zimbabwean_f, zimbabwean_fam), W(eth_african),
     W(rel_zimbabwean), W(lang_zimbabwean), W(nat_zimbabwean), NULL, NULL, FEM_NONE, 0},
};

/* Origin weights per thousand, roughly an English Midlands county. */
static const unsigned origin_weights[DEMO_ORIGIN_COUNT] = {780, 30, 90, 60, 40};

static const char *const origin_names[DEMO_ORIGIN_COUNT] = {"british", "irish", "south_asian",
                                                            "eastern_european", "african"};

/* ---- Helpers --------------------------------------------------------------------------------------------
 */

static demo_origin origin_clamp(demo_origin o)
{
    return (unsigned)o < DEMO_ORIGIN_COUNT ? o : DEMO_ORIGIN_BRITISH;
}

/* Index into cultures[] of a culture of origin o, by the cultures' weights. */
static size_t culture_pick(demo_rng *r, demo_origin o)
{
    unsigned w[COUNT(cultures)];
    o = origin_clamp(o);
    for (size_t i = 0; i < COUNT(cultures); i++)
        w[i] = cultures[i].origin == o ? cultures[i].weight : 0;
    return demo_rng_choose(r, w, COUNT(cultures));
}

static const char *pick_ranked(demo_rng *r, const char *const *t, size_t n)
{
    return t[demo_rng_choose_ranked(r, n)];
}

static const char *pick_weighted(demo_rng *r, const wstr *t, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += t[i].w;
    assert(total > 0);
    uint64_t pick = demo_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (pick < t[i].w) return t[i].s;
        pick -= t[i].w;
    }
    return t[n - 1].s;
}

static char sex_norm(demo_rng *r, char sex)
{
    if (sex == 'M' || sex == 'F') return sex;
    return demo_rng_chance(r, 500) ? 'F' : 'M';
}

static const char *culture_given(demo_rng *r, const culture *c, char sex)
{
    if (sex == 'F') return pick_ranked(r, c->female, c->n_female);
    return pick_ranked(r, c->male, c->n_male);
}

/* Copy s into out (size > 0) whole, or return -1 and leave out holding "" if it does not fit. */
static int buf_put(char *out, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size) {
        out[0] = '\0';
        return -1;
    }
    memcpy(out, s, n + 1);
    return 0;
}

/* Build "a<sep>b" into out; -1 (out "") when it does not fit. */
static int join2(char *out, size_t size, const char *a, char sep, const char *b)
{
    int n = snprintf(out, size, "%s%c%s", a, sep, b);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* ---- Per-field API --------------------------------------------------------------------------------------
 */

const char *demo_origin_name(demo_origin o)
{
    return (unsigned)o < DEMO_ORIGIN_COUNT ? origin_names[o] : "unknown";
}

demo_origin demo_origin_pick(demo_rng *r)
{
    return (demo_origin)demo_rng_choose(r, origin_weights, DEMO_ORIGIN_COUNT);
}

const char *demo_given_name(demo_rng *r, demo_origin o, char sex)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return culture_given(r, c, sex_norm(r, sex));
}

const char *demo_family_name(demo_rng *r, demo_origin o)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return pick_ranked(r, c->family, c->n_family);
}

/* Compound surname from culture c into buf, or NULL (buf "") when it cannot. other_british_pm is how often
 * the second half comes from the English table instead (a mixed family). */
static const char *compound_from(demo_rng *r, const culture *c, unsigned other_british_pm, char *buf,
                                 size_t bufsize)
{
    const char *a = pick_ranked(r, c->family, c->n_family);
    const culture *c2 = demo_rng_chance(r, other_british_pm) ? &cultures[0] : c;
    const char *b = a;
    for (int tries = 0; tries < 8 && strcmp(a, b) == 0; tries++)
        b = pick_ranked(r, c2->family, c2->n_family);
    if (strcmp(a, b) == 0) return NULL;
    /* Unhyphenated double-barrelled names are a British and Irish habit; elsewhere they read as two names. */
    int spaced_ok = c->origin == DEMO_ORIGIN_BRITISH || c->origin == DEMO_ORIGIN_IRISH;
    char sep = spaced_ok && demo_rng_chance(r, 250) ? ' ' : '-';
    if (join2(buf, bufsize, a, sep, b) != 0) return NULL;
    return buf;
}

const char *demo_family_name_compound(demo_rng *r, demo_origin o, char *buf, size_t bufsize)
{
    const culture *c = &cultures[culture_pick(r, o)];
    int compound = demo_rng_chance(r, 40);
    if (buf != NULL && bufsize > 0) buf[0] = '\0';
    if (compound && buf != NULL && bufsize > 0) {
        const char *s = compound_from(r, c, c->origin == DEMO_ORIGIN_BRITISH ? 0 : 300, buf, bufsize);
        if (s != NULL) return s;
    }
    return pick_ranked(r, c->family, c->n_family);
}

const char *demo_ethnicity_for(demo_rng *r, demo_origin o)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return pick_weighted(r, c->eth, c->n_eth);
}

const char *demo_religion_for(demo_rng *r, demo_origin o)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return pick_weighted(r, c->rel, c->n_rel);
}

const char *demo_language_for(demo_rng *r, demo_origin o)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return pick_weighted(r, c->lang, c->n_lang);
}

const char *demo_nationality_for(demo_rng *r, demo_origin o)
{
    const culture *c = &cultures[culture_pick(r, o)];
    return pick_weighted(r, c->nat, c->n_nat);
}

/* ---- Addresses ------------------------------------------------------------------------------------------
 */

/* Outward codes of a Leicestershire-centred area with its East Midlands neighbours (LA codes 855-857). */
static const char *const postcode_districts[] = {
    "LE1",  "LE2",  "LE3",  "LE4",  "LE5",  "LE6",  "LE7",  "LE8",  "LE9",  "LE10",
    "LE11", "LE12", "LE13", "LE14", "LE15", "LE16", "LE17", "LE18", "LE19", "LE65",
    "LE67", "DE11", "DE12", "DE13", "DE14", "DE15", "DE73", "DE74", "CV9",  "CV10",
    "CV11", "CV13", "NG10", "NG11", "NG12", "NG13", "NN6",  "NN17", "PE9",  "B79",
};

/* BS 7666: the two inward-code letters are never C, I, K, M, O or V. */
static const char inward_letters[] = "ABDEFGHJLNPQRSTUWXYZ";

void demo_postcode(demo_rng *r, char out[9])
{
    const char *district = postcode_districts[demo_rng_below(r, COUNT(postcode_districts))];
    int digit = demo_rng_range(r, 0, 9);
    char l1 = inward_letters[demo_rng_below(r, sizeof inward_letters - 1)];
    char l2 = inward_letters[demo_rng_below(r, sizeof inward_letters - 1)];
    int n = snprintf(out, 9, "%s %d%c%c", district, digit, l1, l2);
    assert(n > 0 && n < 9);
    (void)n;
}

static const char *const street_names[] = {
    "Church",    "Station",    "Victoria",       "Park",       "Mill",        "School",
    "Main",      "Queen's",    "Manor",          "Chapel",     "Green",       "Grange",
    "Orchard",   "Meadow",     "Willow",         "Oak",        "Ash",         "Beech",
    "Elm",       "Chestnut",   "Cedar",          "Hawthorn",   "Holly",       "Maple",
    "Birch",     "Rowan",      "Poplar",         "Sycamore",   "Albert",      "Alexandra",
    "King's",    "Windsor",    "York",           "Cambridge",  "Stanley",     "Princess",
    "Nelson",    "Wellington", "Blenheim",       "Highfield",  "Springfield", "Brookside",
    "Westfield", "Fairfield",  "Mount Pleasant", "Forest",     "Heather",     "Charnwood",
    "Bradgate",  "Granby",     "Belvoir",        "Kingfisher", "Primrose",    "Bluebell",
    "Foxglove",  "Paddock",
};
static const wstr street_suffixes[] = {
    {"Road", 25}, {"Street", 20}, {"Close", 12},   {"Avenue", 10}, {"Lane", 10},
    {"Way", 6},   {"Drive", 7},   {"Crescent", 5}, {"Terrace", 3}, {"Gardens", 2},
};

void demo_street(demo_rng *r, char *out, size_t outsize)
{
    const char *name = street_names[demo_rng_below(r, COUNT(street_names))];
    const char *suffix = pick_weighted(r, street_suffixes, COUNT(street_suffixes));
    /* Most houses have low numbers; long roads reach the hundreds. */
    int number = demo_rng_chance(r, 850) ? demo_rng_range(r, 1, 60) : demo_rng_range(r, 61, 240);
    int flat = demo_rng_chance(r, 80) ? demo_rng_range(r, 1, 12) : 0;

    if (outsize == 0) return;
    int n;
    if (flat)
        n = snprintf(out, outsize, "Flat %d, %d %s %s", flat, number, name, suffix);
    else
        n = snprintf(out, outsize, "%d %s %s", number, name, suffix);
    if (n < 0) out[0] = '\0';
    /* Truncated output is still terminated by snprintf; the contract allows it. Never cut a UTF-8
     * sequence: the tables are ASCII. */
}

static const char *const towns[] = {
    "Ashworth",   "Brackenbury", "Carlby Marsh",   "Dunsford Magna", "Elmstead Vale",  "Fernleigh",
    "Gorsebrook", "Hallowby",    "Kelham Bridge",  "Lindenby",       "Market Wensley", "Northcote Green",
    "Pellingham", "Redmarsh",    "Stowford Parva", "Thornley Edge",
};

const char *demo_town(demo_rng *r)
{
    return towns[demo_rng_below(r, COUNT(towns))];
}

/* ---- Identifiers ----------------------------------------------------------------------------------------
 */

void demo_nhs_number(demo_rng *r, char out[11])
{
    char stem[10];
    int check;
    do {
        int n = snprintf(stem, sizeof stem, "999%06d", demo_rng_range(r, 0, 999999));
        assert(n == 9);
        (void)n;
        check = model_ident_nhs_check_digit(stem);
    } while (check < 0); /* about 1 stem in 11 can never be valid */
    memcpy(out, stem, 9);
    out[9] = (char)('0' + check);
    out[10] = '\0';
}

/* HMRC NIM39110: D F I Q U V never appear in the prefix, O never second. */
static const char nino_first[] = "ABCEGHJKLMNOPRSTWXYZ";
static const char nino_second[] = "ABCEGHJKLMNPRSTWXYZ";
/* Prefixes never allocated (BG GB KN NK NT TN ZZ) or administrative (OO CR FY MW NC). */
static const char *const nino_refused[] = {"BG", "GB", "KN", "NK", "NT", "TN",
                                           "ZZ", "OO", "CR", "FY", "MW", "NC"};

void demo_nino(demo_rng *r, char out[10])
{
    char prefix[3];
    int refused;
    do {
        prefix[0] = nino_first[demo_rng_below(r, sizeof nino_first - 1)];
        prefix[1] = nino_second[demo_rng_below(r, sizeof nino_second - 1)];
        prefix[2] = '\0';
        refused = 0;
        for (size_t i = 0; i < COUNT(nino_refused); i++)
            refused |= strcmp(prefix, nino_refused[i]) == 0;
    } while (refused);
    int number = demo_rng_range(r, 0, 999999);
    char suffix = (char)('A' + demo_rng_range(r, 0, 3));
    int n = snprintf(out, 10, "%s%06d%c", prefix, number, suffix);
    assert(n == 9);
    (void)n;
}

static const char *const upn_la_codes[] = {"855", "856", "857"};

void demo_upn(demo_rng *r, int academic_year, char out[14])
{
    char body[13];
    const char *la = upn_la_codes[demo_rng_below(r, COUNT(upn_la_codes))];
    int establishment = demo_rng_range(r, 2000, 4999);
    int yy = ((academic_year % 100) + 100) % 100;
    int serial = demo_rng_range(r, 0, 999);
    int n = snprintf(body, sizeof body, "%s%04d%02d%03d", la, establishment, yy, serial);
    assert(n == 12);
    (void)n;
    char letter = model_ident_upn_check_letter(body);
    assert(letter != 0); /* the body is 12 digits by construction */
    out[0] = letter;
    memcpy(out + 1, body, 13);
}

void demo_phone_mobile(demo_rng *r, char out[14])
{
    int n = snprintf(out, 14, "07700 900%03d", demo_rng_range(r, 0, 999));
    assert(n == 12);
    (void)n;
}

/* ---- ASCII folding and email ----------------------------------------------------------------------------
 */

/* Decode one UTF-8 sequence at s; returns its length (1..4) and sets *cp, or 0 for an invalid sequence. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL terminator */
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return len;
}

/* Lowercase ASCII for U+00C0..U+00FF and U+0100..U+017F; '?' marks the few that need two letters or none. */
static const char fold_latin1[] = "aaaaaa?ceeeeiiiidnooooo?ouuuuy??aaaaaa?ceeeeiiiidnooooo?ouuuuy?y";
static const char fold_ext_a[] = "aaaaaa"
                                 "cccccccc"
                                 "dddd"
                                 "eeeeeeeeee"
                                 "gggggggg"
                                 "hhhh"
                                 "iiiiiiiiii"
                                 "??"
                                 "jj"
                                 "kkk"
                                 "llllllllll"
                                 "nnnnnnn"
                                 "nn"
                                 "oooooo"
                                 "??"
                                 "rrrrrr"
                                 "ssssssss"
                                 "tttttt"
                                 "uuuuuuuuuuuu"
                                 "ww"
                                 "yyy"
                                 "zzzzzz"
                                 "s";
_Static_assert(sizeof fold_latin1 == 64 + 1, "fold_latin1 covers U+00C0..U+00FF");
_Static_assert(sizeof fold_ext_a == 128 + 1, "fold_ext_a covers U+0100..U+017F");

/* The ASCII for code point cp: "" to drop it. */
static const char *fold_cp(uint32_t cp, char one[2])
{
    one[1] = '\0';
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            one[0] = (char)(cp - 'A' + 'a');
        else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-' || cp == '.')
            one[0] = (char)cp;
        else
            one[0] = '\0';
        return one;
    }
    switch (cp) {
    case 0xC6:
    case 0xE6:
        return "ae";
    case 0xDE:
    case 0xFE:
        return "th";
    case 0xDF:
        return "ss";
    case 0x132:
    case 0x133:
        return "ij";
    case 0x152:
    case 0x153:
        return "oe";
    case 0x218:
    case 0x219:
        return "s"; /* Romanian comma-below */
    case 0x21A:
    case 0x21B:
        return "t";
    case 0x1E0C:
    case 0x1E0D:
        return "d"; /* Yoruba and others' dot-below letters */
    case 0x1E62:
    case 0x1E63:
        return "s";
    case 0x1EB8:
    case 0x1EB9:
        return "e";
    case 0x1ECC:
    case 0x1ECD:
        return "o";
    default:
        break;
    }
    if (cp >= 0xC0 && cp <= 0xFF)
        one[0] = fold_latin1[cp - 0xC0] == '?' ? '\0' : fold_latin1[cp - 0xC0];
    else if (cp >= 0x100 && cp <= 0x17F)
        one[0] = fold_ext_a[cp - 0x100];
    else
        one[0] = '\0'; /* combining marks (U+0300..U+036F), punctuation and everything else */
    return one;
}

size_t demo_ascii_fold(const char *in, char *out, size_t outsize)
{
    size_t len = 0;
    if (outsize == 0) return 0;
    const unsigned char *p = (const unsigned char *)(in != NULL ? in : "");
    while (*p != '\0') {
        uint32_t cp;
        size_t step = utf8_decode(p, &cp);
        if (step == 0) {
            p++;
            continue;
        }
        p += step;
        char one[2];
        const char *a = fold_cp(cp, one);
        for (; *a != '\0'; a++) {
            int sep = *a == '-' || *a == '.';
            if (sep && (len == 0 || out[len - 1] == '-' || out[len - 1] == '.')) continue;
            if (len + 1 >= outsize) goto done;
            out[len++] = *a;
        }
    }
done:
    while (len > 0 && (out[len - 1] == '-' || out[len - 1] == '.'))
        len--;
    out[len] = '\0';
    return len;
}

static const wstr email_domains[] = {{"example.org", 40}, {"example.com", 40}, {"example.net", 20}};

void demo_email(demo_rng *r, const char *given, const char *family, char *out, size_t outsize)
{
    char g[32], f[32], local[72];
    const char *domain = pick_weighted(r, email_domains, COUNT(email_domains));
    int pattern = demo_rng_range(r, 0, 5);
    int digits = demo_rng_range(r, 1, 99);
    size_t gl = demo_ascii_fold(given, g, sizeof g);
    size_t fl = demo_ascii_fold(family, f, sizeof f);
    int n;

    if (outsize == 0) return;
    if (gl == 0 && fl == 0)
        n = snprintf(local, sizeof local, "person%d", digits);
    else if (gl == 0 || fl == 0)
        n = snprintf(local, sizeof local, "%s%d", gl ? g : f, digits);
    else {
        switch (pattern) {
        case 0:
            n = snprintf(local, sizeof local, "%s.%s", g, f);
            break;
        case 1:
            n = snprintf(local, sizeof local, "%s%s", g, f);
            break;
        case 2:
            n = snprintf(local, sizeof local, "%c.%s", g[0], f);
            break;
        case 3:
            n = snprintf(local, sizeof local, "%s.%s%d", g, f, digits);
            break;
        case 4:
            n = snprintf(local, sizeof local, "%s.%s", f, g);
            break;
        default:
            n = snprintf(local, sizeof local, "%s%d", g, digits);
            break;
        }
    }
    if (n < 0 || (size_t)n >= sizeof local) /* cannot happen: 31 + 1 + 31 + 2 < 72 */
        local[0] = '\0';

    /* Keep the whole domain; shorten the local part if the buffer is small. */
    size_t dl = strlen(domain);
    size_t ll = strlen(local);
    if (outsize > dl + 2 && ll + 1 + dl >= outsize) {
        ll = outsize - dl - 2;
        while (ll > 1 && (local[ll - 1] == '.' || local[ll - 1] == '-'))
            ll--;
        local[ll] = '\0';
    }
    n = snprintf(out, outsize, "%s@%s", local, domain);
    if (n < 0) out[0] = '\0';
}

/* ---- Identities -----------------------------------------------------------------------------------------
 */

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Append bytes to out at *len; -1 if they do not fit (out is then unusable). */
static int app(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + n >= size) return -1;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

/* Feminine form of one surname token t[0..n) under rule fem, appended to out. */
static int fem_token(fem_rule fem, int daughter, const char *t, size_t n, char *out, size_t size, size_t *len)
{
    switch (fem) {
    case FEM_POLISH:
        if (ends_with(t, n, "ki")) return app(out, size, len, t, n - 1) | app(out, size, len, "a", 1);
        break;
    case FEM_CZECH_SLOVAK:
        if (ends_with(t, n, "ý")) /* Novotný -> Novotná */
            return app(out, size, len, t, n - strlen("ý")) | app(out, size, len, "á", strlen("á"));
        if (ends_with(t, n, "ek")) /* Hájek -> Hájková */
            return app(out, size, len, t, n - 2) | app(out, size, len, "ková", strlen("ková"));
        if (ends_with(t, n, "ec")) /* Němec -> Němcová */
            return app(out, size, len, t, n - 2) | app(out, size, len, "cová", strlen("cová"));
        if (ends_with(t, n, "a") || ends_with(t, n, "o")) /* Fiala -> Fialová, Šimko -> Šimková */
            return app(out, size, len, t, n - 1) | app(out, size, len, "ová", strlen("ová"));
        return app(out, size, len, t, n) | app(out, size, len, "ová", strlen("ová"));
    case FEM_LITHUANIAN: {
        /* Married forms (-ienė) for a person made alone, maiden forms for a daughter. */
        static const struct {
            const char *male, *wife, *daughter;
        } lt[] = {{"ius", "ienė", "iūtė"},
                  {"us", "uvienė", "ūtė"},
                  {"as", "ienė", "aitė"},
                  {"is", "ienė", "ytė"},
                  {"ys", "ienė", "ytė"}};
        for (size_t i = 0; i < COUNT(lt); i++) {
            if (ends_with(t, n, lt[i].male)) {
                const char *rep = daughter ? lt[i].daughter : lt[i].wife;
                return app(out, size, len, t, n - strlen(lt[i].male)) | app(out, size, len, rep, strlen(rep));
            }
        }
        break;
    }
    case FEM_NONE:
    case FEM_IRISH_GAELIC:
        break;
    }
    return app(out, size, len, t, n);
}

/* Irish Gaelic: Ó X -> Ní X-lenited, Mac X -> Nic X-lenited (Ó Briain -> Ní Bhriain). */
static int fem_irish(const char *root, char *out, size_t size)
{
    size_t len = 0;
    const char *rest;
    out[0] = '\0';
    if (strncmp(root, "Ó ", strlen("Ó ")) == 0) {
        rest = root + strlen("Ó ");
        if (app(out, size, &len, "Ní ", strlen("Ní ")) != 0) return -1;
    } else if (strncmp(root, "Mac ", 4) == 0) {
        rest = root + 4;
        if (app(out, size, &len, "Nic ", 4) != 0) return -1;
    } else {
        return buf_put(out, size, root);
    }
    /* Lenition adds h after b c d f g m p s t, except before h and in sc sp st sm. */
    int lenite = rest[0] != '\0' && strchr("BCDFGMPST", rest[0]) != NULL && rest[1] != 'h' &&
                 !(rest[0] == 'S' && rest[1] != '\0' && strchr("cptm", rest[1]) != NULL);
    if (lenite)
        return app(out, size, &len, rest, 1) | app(out, size, &len, "h", 1) |
               app(out, size, &len, rest + 1, strlen(rest + 1));
    return app(out, size, &len, rest, strlen(rest));
}

/* The family name a woman of culture c uses, derived from root into out. Falls back to root when the
 * derived form does not fit. */
static void family_for_sex(const culture *c, const char *root, char sex, int daughter, char *out, size_t size)
{
    if (sex != 'F' || c->fem == FEM_NONE) {
        buf_put(out, size, root);
        return;
    }
    if (c->fem == FEM_IRISH_GAELIC) {
        if (fem_irish(root, out, size) != 0) buf_put(out, size, root);
        return;
    }
    size_t len = 0;
    int rc = 0;
    out[0] = '\0';
    const char *p = root;
    while (*p != '\0' && rc == 0) {
        size_t tok = strcspn(p, "- ");
        rc |= fem_token(c->fem, daughter, p, tok, out, size, &len);
        p += tok;
        if (*p != '\0') {
            rc |= app(out, size, &len, p, 1);
            p++;
        }
    }
    if (rc != 0) buf_put(out, size, root);
}

/* Given, middle and the sex-marker conventions; root already chosen. */
static void identity_names(demo_rng *r, const culture *c, int daughter, demo_identity *out)
{
    buf_put(out->given, sizeof out->given, culture_given(r, c, out->sex));
    out->middle[0] = '\0';
    if (demo_rng_chance(r, 350)) {
        const char *m = culture_given(r, c, out->sex);
        if (strcmp(m, out->given) != 0) buf_put(out->middle, sizeof out->middle, m);
    }
    family_for_sex(c, out->family_root, out->sex, daughter, out->family, sizeof out->family);

    /* Sikh Singh/Kaur; Bangladeshi Begum; Pakistani Bibi. */
    const char *marker = out->sex == 'F' ? c->female_marker : c->male_marker;
    if (marker == NULL) return;
    if (out->sex == 'F' && c->male_marker != NULL && strcmp(out->family_root, c->male_marker) == 0) {
        buf_put(out->family, sizeof out->family, marker); /* a Singh family's daughter is Kaur */
    } else if (out->sex == 'F' && demo_rng_chance(r, c->female_marker_surname_pm)) {
        buf_put(out->family, sizeof out->family, marker);
    } else if (c->male_marker != NULL && strcmp(out->family, marker) != 0 && demo_rng_chance(r, 400)) {
        buf_put(out->middle, sizeof out->middle, marker); /* Harjit Singh Gill */
    }
}

static void identity_demographics(demo_rng *r, const culture *c, demo_identity *out)
{
    out->ethnicity = pick_weighted(r, c->eth, c->n_eth);
    out->religion = pick_weighted(r, c->rel, c->n_rel);
    out->language = pick_weighted(r, c->lang, c->n_lang);
    out->nationality = pick_weighted(r, c->nat, c->n_nat);
}

static void identity_root(demo_rng *r, const culture *c, demo_identity *out)
{
    if (!demo_rng_chance(r, 40) || compound_from(r, c, 0, out->family_root, sizeof out->family_root) == NULL)
        buf_put(out->family_root, sizeof out->family_root, pick_ranked(r, c->family, c->n_family));
}

void demo_identity_make(demo_rng *r, char sex, demo_identity *out)
{
    demo_origin o = demo_origin_pick(r);
    size_t ci = culture_pick(r, o);
    const culture *c = &cultures[ci];

    memset(out, 0, sizeof *out);
    out->origin = o;
    out->culture = (int)ci;
    out->sex = sex_norm(r, sex);
    identity_root(r, c, out);
    identity_names(r, c, 0, out);
    identity_demographics(r, c, out);
}

void demo_identity_relative(demo_rng *r, const demo_identity *base, char sex, int same_family,
                            demo_identity *out)
{
    size_t ci = base->culture >= 0 && (size_t)base->culture < COUNT(cultures) ? (size_t)base->culture
                                                                              : culture_pick(r, base->origin);
    const culture *c = &cultures[ci];
    demo_identity tmp; /* base and out may alias */

    memset(&tmp, 0, sizeof tmp);
    tmp.origin = c->origin;
    tmp.culture = (int)ci;
    tmp.sex = sex_norm(r, sex);
    if (same_family && base->family_root[0] != '\0')
        buf_put(tmp.family_root, sizeof tmp.family_root, base->family_root);
    else
        identity_root(r, c, &tmp);
    identity_names(r, c, 1, &tmp);
    /* Parents seldom give a child their own or a sibling's name: try a few times for a different one. */
    for (int tries = 0; tries < 4 && strcmp(tmp.given, base->given) == 0; tries++)
        buf_put(tmp.given, sizeof tmp.given, culture_given(r, c, tmp.sex));
    if (strcmp(tmp.middle, tmp.given) == 0) tmp.middle[0] = '\0';
    identity_demographics(r, c, &tmp);
    if (base->ethnicity != NULL && demo_rng_chance(r, 850)) tmp.ethnicity = base->ethnicity;
    if (base->religion != NULL && demo_rng_chance(r, 850)) tmp.religion = base->religion;
    *out = tmp;
}
